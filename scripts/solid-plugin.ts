// Bun plugin compiling the client's .tsx with Solid's JSX transform (Babel 7), for builds and dev.
import type { BunPlugin } from "bun";
import { transformAsync } from "@babel/core";
// @ts-expect-error -- babel presets ship no type declarations
import solid from "babel-preset-solid";
// @ts-expect-error -- babel presets ship no type declarations
import typescript from "@babel/preset-typescript";

const plugin: BunPlugin = {
  name: "pymd-solid",
  setup(build) {
    build.onLoad({ filter: /[\\/]client[\\/].*\.tsx$/ }, async ({ path }) => {
      const out = await transformAsync(await Bun.file(path).text(), {
        filename: path,
        babelrc: false,
        configFile: false,
        presets: [
          [solid, { generate: "dom" }],
          [typescript, { isTSX: true, allExtensions: true }],
        ],
      });
      if (!out?.code) throw new Error(`Solid transform produced no code for ${path}`);
      return { contents: out.code, loader: "js" };
    });
  },
};

export default plugin;
