/**
 * Uploads kept on disk while Herald reads them. A CSV import reads its file twice (check every
 * row, then write), so the file must stay somewhere; on disk, a 50 MB upload costs 64 KB of
 * memory at a time instead of the whole file, however many imports run at once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../lib/errors.ts';

/** A file written to a private temporary folder; whoever claims it removes it when done. */
export class SpooledFile {
  readonly path: string;
  readonly bytes: number;
  #isClaimed = false;

  constructor(filePath: string, bytes: number) {
    this.path = filePath;
    this.bytes = bytes;
  }

  /** A fresh stream of the file's bytes, from the start. */
  open(): Readable {
    return fs.createReadStream(this.path, { highWaterMark: 64 * 1024 });
  }

  /** Takes over the file: from now on the claimer removes it, not the request. */
  claim(): void {
    this.#isClaimed = true;
  }

  /** Removes the file and its folder; safe to call twice. */
  async remove(): Promise<void> {
    await fs.promises.rm(path.dirname(this.path), { recursive: true, force: true });
  }

  /** Removes the file unless something claimed it (the request's clean-up). */
  async removeUnlessClaimed(): Promise<void> {
    if (!this.#isClaimed) await this.remove();
  }
}

/** The 413 for an upload past the limit, naming the file and the rule like any field error. */
export function fileTooLarge(maxBytes: number): AppError {
  const message = `must be at most ${Math.floor(maxBytes / (1024 * 1024))} MB`;
  return new AppError('payload_too_large', `file: ${message}`, { issues: [{ field: 'file', rule: 'max_size', message }] });
}

/**
 * Writes the stream to a new temporary file, refusing (413) past `maxBytes`. A failed or
 * refused upload leaves no file behind. On refusal the request is left unread rather than
 * destroyed, so the client still receives the 413 (Node discards the rest after the answer).
 */
export async function spoolUpload(input: Readable, maxBytes: number): Promise<SpooledFile> {
  const folder = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'herald-upload-'));
  const filePath = path.join(folder, 'upload');
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > maxBytes ? fileTooLarge(maxBytes) : null, chunk);
    },
  });
  input.once('error', (error) => limit.destroy(error));
  input.once('close', () => {
    if (!input.readableEnded) limit.destroy(new AppError('bad_request', 'file: the upload was cut off before its end'));
  });
  // pipe, not pipeline, for the request: pipeline would destroy the socket along with the 413
  input.pipe(limit);
  try {
    await pipeline(limit, fs.createWriteStream(filePath, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    input.unpipe(limit);
    await fs.promises.rm(folder, { recursive: true, force: true });
    throw error;
  }
  return new SpooledFile(filePath, bytes);
}
