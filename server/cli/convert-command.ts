// `pymd convert IN OUT`: a Jupyter notebook to PyMD and back, by the files' extensions. Cell
// attachments of an imported notebook are written beside OUT under attachments/.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { AppError } from "../errors.ts";
import { exportIpynb, importIpynb } from "../files/ipynb.ts";
import { CommandError, UsageError, expectPositionals } from "./args.ts";
import { COMMON_FLAGS, type Command } from "./command.ts";

export const convertCommand: Command = {
  name: "convert",
  summary: "convert a Jupyter notebook (.ipynb) to .pymd, or a .pymd to .ipynb",
  usage: `pymd convert IN OUT [--force]

IN.ipynb OUT.pymd: Markdown cells become '# ' lines, code cells executed blocks, raw cells
display-only blocks; outputs are dropped; cell attachments are written beside OUT under
attachments/ and linked by relative path. IN.pymd OUT.ipynb: the reverse, without outputs.
An existing OUT is only replaced with --force.`,
  flags: { ...COMMON_FLAGS, force: "boolean" },
  async run(args) {
    const [input, output] = expectPositionals(args, ["IN", "OUT"]);
    const inPath = resolve(input!);
    const outPath = resolve(output!);
    const kind = (p: string) => (/\.ipynb$/i.test(p) ? "ipynb" : /\.(pymd|py)$/i.test(p) ? "pymd" : null);
    const from = kind(inPath);
    const to = kind(outPath);
    if (!from || !to || from === to)
      throw new UsageError("convert .ipynb to .pymd or .pymd to .ipynb (the extensions say which)");
    if (!existsSync(inPath)) throw new CommandError(`no such file: ${inPath}`);
    if (existsSync(outPath) && !args.flags.force)
      throw new CommandError(`${outPath} exists; pass --force to replace it`);
    const text = readFileSync(inPath, "utf8");
    if (from === "ipynb") {
      let nb: ReturnType<typeof importIpynb>;
      try {
        nb = importIpynb(text);
      } catch (e) {
        if (e instanceof AppError) throw new CommandError(e.message);
        throw e;
      }
      for (const f of nb.files) {
        const target = join(dirname(outPath), ...f.path.split("/"));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, f.bytes);
      }
      writeFileSync(outPath, nb.source);
      console.log(
        `wrote ${outPath}${nb.files.length ? ` and ${nb.files.length} attachment(s) under ${join(dirname(outPath), "attachments")}` : ""}`,
      );
    } else {
      writeFileSync(outPath, exportIpynb(text));
      console.log(`wrote ${outPath}`);
    }
    return 0;
  },
};
