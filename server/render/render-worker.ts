// A render worker thread: takes RenderJobs, answers their HTML (see render-pool.ts).
import { runJob, type RenderJob } from "./render-jobs.ts";

declare const self: Worker;

self.onmessage = async (e: MessageEvent<{ id: number; job: RenderJob }>) => {
  const { id, job } = e.data;
  try {
    postMessage({ id, ok: true, html: await runJob(job) });
  } catch (err) {
    postMessage({ id, ok: false, message: err instanceof Error ? err.message : String(err) });
  }
};
