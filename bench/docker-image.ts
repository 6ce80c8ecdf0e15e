// The Docker image as users get it: size and what the README's `docker run` flags give. Builds
// the Dockerfile with the workplace's podman-based image check when it is there (no Docker engine
// needed), else with `docker build`. Prints figures; never fails. Takes minutes.
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const check = join(root, "..", "shared", "tools", "image-check", "image-check");

if (existsSync(check) && process.getuid?.() === 0) {
  const r = Bun.spawnSync([check, root], { stdout: "pipe", stderr: "pipe" });
  const out = r.stdout.toString();
  const figures = out.trim().split("\n").at(-1) ?? "";
  for (const line of out.split("\n")) if (/^(FAIL|doctor \[)/.test(line)) console.log(line.slice(0, 300));
  console.log(figures);
} else if (Bun.which("docker")) {
  const b = Bun.spawnSync(["docker", "build", "-q", "-t", "pymd:bench", root], { stdout: "pipe", stderr: "pipe" });
  if (b.exitCode !== 0) console.log(`docker build failed: ${b.stderr.toString().trim().split("\n").at(-1)}`);
  else {
    const size = Number(
      Bun.spawnSync(["docker", "image", "inspect", "pymd:bench", "--format", "{{.Size}}"]).stdout.toString().trim(),
    );
    console.log(`image pymd:bench: ${Math.round(size / 1e6)} MB`);
  }
} else console.log("no image check tool (as root) and no docker here: the image was not measured");
