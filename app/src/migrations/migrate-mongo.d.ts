// The types of what migrate.ts uses of migrate-mongo (it ships none).
declare module 'migrate-mongo' {
  import type { Db, MongoClient, MongoClientOptions } from 'mongodb';

  export interface MigrateMongoConfig {
    mongodb: { url: string; databaseName?: string; options?: MongoClientOptions };
    migrationsDir: string;
    changelogCollectionName: string;
    lockCollectionName?: string;
    lockTtl?: number;
    migrationFileExtension: string;
    useFileHash?: boolean;
    moduleSystem?: 'commonjs' | 'esm';
  }

  export interface MigrateMongoApi {
    config: { set(config: MigrateMongoConfig): void };
    database: { connect(): Promise<{ db: Db; client: MongoClient }> };
    up(db: Db, client: MongoClient): Promise<string[]>;
    status(db: Db): Promise<{ fileName: string; appliedAt: Date | 'PENDING' }[]>;
  }
}
