import http from 'node:http';

export interface HeldResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HeldRequest {
  /** Sends the body's last byte, so the server can finish the request. */
  release(): Promise<void>;
  /** The answer, once released (rejects on a network error, e.g. a connection cut during shutdown). */
  response: Promise<HeldResponse>;
}

/**
 * A request the client itself keeps in flight: headers and all of the body but its last byte go out at
 * once, the last byte only on release(). Until then the server is inside the request (it is not idle, so a
 * graceful shutdown must wait for it) without any slow endpoint in the app. Its own connection, no keep-alive.
 */
export function holdRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body: string },
): HeldRequest {
  const body = Buffer.from(options.body);
  if (body.length < 2) throw new Error('holdRequest needs a body of at least 2 bytes to hold one back');
  let req!: http.ClientRequest;
  const response = new Promise<HeldResponse>((resolve, reject) => {
    req = http.request(url, {
      method: options.method ?? 'POST',
      agent: false,
      headers: { ...options.headers, 'content-length': String(body.length), connection: 'close' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
  });
  req.write(body.subarray(0, -1));
  return {
    release: () => new Promise<void>((resolve) => req.end(body.subarray(-1), () => resolve())),
    response,
  };
}
