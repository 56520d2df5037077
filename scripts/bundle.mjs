// Bundles the compiled CLI (dist/src/cli/main.js, what it imports and its dependencies) into
// dist/cli/: main.js, which bin/svcspec.js loads, and a chunk per module only some commands import
// on demand (kubernetes-models, for verify). Node's ES loader resolves, reads and compiles each of
// the ~90 modules of dist/ and of the dependencies one by one: about 0.25 s of CPU in every process,
// `--version` included, before any work. One file is one read and one compile. The library API
// (dist/src/index.js) stays tsc's output. CommonJS that svcspec loads through createRequire when a
// generator needs it (Handlebars, the Grafana SDK, the precompiled schema validator) stays outside:
// it is required at run time, as before. The output depends only on dist/src and the installed
// dependencies (esbuild names chunks by their content), so the same sources give the same bytes.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "cli");

// chunks of an older build would be left beside the new ones: the folder is made anew
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, "dist", "src", "cli", "main.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // the dependencies that are CommonJS call require(); in an ES module there is none unless made
  banner: { js: 'import { createRequire as __svcspecCreateRequire } from "node:module";\nconst require = __svcspecCreateRequire(import.meta.url);' },
  legalComments: "eof",
  logLevel: "warning",
});
