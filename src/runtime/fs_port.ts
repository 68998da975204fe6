/**
 * The file-system port: read a whole file (null when absent), replace one atomically (temporary
 * file in the same directory, fsync, rename: readers see the old or the new file, never half),
 * append. Asynchronous, so a slow disk never stalls packets. An in-memory fake sits beside it.
 * @module
 */
import { randomBytes } from "node:crypto";
import { appendFile, open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** What the daemon does with files. */
export interface FileSystem {
  /** The file's bytes, or null when it does not exist. Other errors reject. */
  read(path: string): Promise<Uint8Array | null>;
  /** Writes the file atomically; mode: as given, else the replaced file's, else 0644. */
  replace(path: string, bytes: Uint8Array, mode?: number): Promise<void>;
  append(path: string, bytes: Uint8Array): Promise<void>;
}

/** The real file system. */
export const nodeFileSystem: FileSystem = {
  async read(path) {
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return null;
      throw e;
    }
  },
  async replace(path, bytes, mode) {
    const keep = mode ?? (await stat(path).then((s) => s.mode & 0o7777, () => 0o644));
    const tmp = join(
      dirname(path),
      `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
    );
    const handle = await open(tmp, "wx", 0o600);
    try {
      await handle.chmod(keep); // exact, whatever the umask
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (e) {
      await handle.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await handle.close();
    try {
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  },
  async append(path, bytes) {
    await appendFile(path, bytes);
  },
};

/** Files in a Map, for tests. */
export class MemoryFileSystem implements FileSystem {
  readonly files = new Map<string, Uint8Array>();

  read(path: string): Promise<Uint8Array | null> {
    const f = this.files.get(path);
    return Promise.resolve(f ? f.slice() : null);
  }

  replace(path: string, bytes: Uint8Array): Promise<void> {
    this.files.set(path, bytes.slice());
    return Promise.resolve();
  }

  append(path: string, bytes: Uint8Array): Promise<void> {
    const old = this.files.get(path) ?? new Uint8Array(0);
    const next = new Uint8Array(old.length + bytes.length);
    next.set(old);
    next.set(bytes, old.length);
    this.files.set(path, next);
    return Promise.resolve();
  }
}
