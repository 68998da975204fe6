/**
 * Starts a Worker from a `src/runtime/*_worker.ts` file, both from source and in a compiled
 * executable. In a `bun build --compile` binary, `import.meta.url` of every bundled module is the
 * executable itself (`file:///$bunfs/root/<exe>`), and each extra entry point is stored under its
 * path relative to the common directory of all entry points: `./runtime/x_worker.ts` for the
 * official build (entries src/main.ts and src/**\/*_worker.ts, common directory src/). A wrong
 * path only shows as an asynchronous error event, so candidates are tried in turn and a Worker
 * counts as started when it posts its first message, "ready".
 * @module
 */

/** The first message every runtime Worker posts once its module has loaded. */
export const WORKER_READY = "ready";

function candidates(file: string): string[] {
  const compiled = import.meta.url.includes("/$bunfs/") || import.meta.url.includes("~BUN");
  const fromSource = new URL(`./${file}`, import.meta.url).href;
  return compiled ? [`./runtime/${file}`, `./src/runtime/${file}`, `./${file}`] : [fromSource];
}

/**
 * Starts `file` (a name like "tun_reader_worker.ts") and waits for its "ready" message.
 * @param file the worker file name inside src/runtime
 * @param timeoutMs per candidate
 * @returns the running Worker; throws an Error listing what was tried
 */
export async function spawnRuntimeWorker(file: string, timeoutMs = 5000): Promise<Worker> {
  const tried: string[] = [];
  for (const spec of candidates(file)) {
    const outcome = await new Promise<Worker | string>((resolve) => {
      let worker: Worker;
      try {
        worker = new Worker(spec);
      } catch (e) {
        resolve((e as Error).message);
        return;
      }
      const finish = (result: Worker | string) => {
        clearTimeout(timer);
        worker.removeEventListener("message", onMessage);
        worker.removeEventListener("error", onError);
        resolve(result);
      };
      // Listeners, not onmessage: the caller installs its own onmessage afterwards.
      const onMessage = (event: MessageEvent) => {
        if (event.data === WORKER_READY) finish(worker);
      };
      const onError = (event: ErrorEvent) => {
        worker.terminate();
        finish(event.message || "error event");
      };
      const timer = setTimeout(() => {
        worker.terminate();
        finish("no ready message");
      }, timeoutMs);
      worker.addEventListener("message", onMessage);
      worker.addEventListener("error", onError);
    });
    if (typeof outcome !== "string") return outcome;
    tried.push(`${spec}: ${outcome}`);
  }
  throw new Error(`Could not start worker ${file}: ${tried.join("; ")}`);
}
