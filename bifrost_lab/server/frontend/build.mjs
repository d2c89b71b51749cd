// Builds BIFROST Lab's light front end into the bifrost Voila template (`make frontend`):
//   bifrost_lab/templates/voila/templates/bifrost/static/bifrost-widgets.js   (one script, ~160 kB gzip)
//   bifrost_lab/templates/voila/templates/bifrost/static/bifrost-widgets.css  (the widgets' styles)
//   bifrost_lab/templates/voila/templates/bifrost/static/bifrost-widgets.LICENSES.txt
// The built files are committed, so a clone runs without Node. The first line of the script names
// the hash of the sources it was built from; tests/e2e/test_page_weight.py checks it is current.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "templates", "voila", "templates", "bifrost", "static");

// Same recipe as tests/e2e/test_page_weight.py: sha256 over "path\0content\0" of the sources, sorted.
function sourceHash() {
  const files = ["build.mjs", "package.json", "package-lock.json", ...readdirSync(join(here, "src")).map((f) => `src/${f}`)];
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(here, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

const stamp = `/* bifrost-widgets ${sourceHash()} (bifrost_lab/server/frontend, make frontend) */`;
const result = await esbuild.build({
  entryPoints: { "bifrost-widgets": join(here, "src", "index.js") },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outdir: out,
  // description_allow_html is not used by our pages: no HTML sanitizer (and its CSS parser) in the bundle.
  alias: { "sanitize-html": join(here, "src", "sanitize-stub.js") },
  define: { "process.env.NODE_ENV": '"production"', global: "window" },
  loader: { ".svg": "dataurl", ".woff": "dataurl", ".woff2": "dataurl" },
  legalComments: "none", // the licences are collected into bifrost-widgets.LICENSES.txt
  banner: { js: stamp, css: stamp },
  metafile: true,
  logLevel: "info",
});

// The licences of every package that ended up in the bundle (Jupyter's packages ship no licence file).
const BSD3 = (holder) => `Copyright (c) ${holder}
All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are permitted
provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this list of conditions
   and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright notice, this list of
   conditions and the following disclaimer in the documentation and/or other materials provided
   with the distribution.
3. Neither the name of the copyright holder nor the names of its contributors may be used to
   endorse or promote products derived from this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR
IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND
FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR
CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER
IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT
OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.`;
const packages = new Map();
for (const output of Object.values(result.metafile.outputs)) {
  for (const input of Object.keys(output.inputs)) {
    const match = input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//);
    if (match && !packages.has(match[1])) packages.set(match[1], join(here, relative(here, match[1])));
  }
}
const sections = [];
for (const folder of [...packages.values()].sort()) {
  const meta = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  const licenceFile = readdirSync(folder).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const author = typeof meta.author === "string" ? meta.author : meta.author?.name || meta.name;
  const text = licenceFile
    ? readFileSync(join(folder, licenceFile), "utf8").trim()
    : meta.license === "BSD-3-Clause"
      ? BSD3(`${author} (${meta.homepage || meta.name})`)
      : `License: ${meta.license}`;
  sections.push(`${meta.name} ${meta.version} (${meta.license})\n\n${text}`);
}
writeFileSync(
  join(out, "bifrost-widgets.LICENSES.txt"),
  `Third-party software in bifrost-widgets.js and bifrost-widgets.css\n\n${sections.join(`\n\n${"-".repeat(78)}\n\n`)}\n`,
);
