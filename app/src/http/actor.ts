import type { Response } from 'express';

/** Who sends this request, once a session or an API token said so. Features read it; only users/ sets it. */
export interface Actor {
  id: string;
  name: string;
  admin: boolean;
}

/** The signed-in person (res.locals.user, which the pages' header reads too), or undefined. */
export const actorOf = (res: Response): Actor | undefined => res.locals.user as Actor | undefined;
