import { build } from "esbuild";
const ext = process.argv[2] ? process.argv[2].split(",") : [];
const r = await build({ entryPoints: ["app/lambda/webhook.ts"], bundle: true, platform: "node", target: "node22", format: "esm", minify: true, sourcemap: true, sourcesContent: false, mainFields: ["module","main"], external: ext, banner: { js: "import{createRequire}from'node:module';const require=createRequire(import.meta.url);" }, outfile: "/tmp/wb/index.mjs", metafile: true, logLevel: "warning" });
const out = r.metafile.outputs[Object.keys(r.metafile.outputs).find(k=>k.endsWith(".mjs"))];
console.log("total", out.bytes);
const z = {};
for (const [f, m] of Object.entries(out.inputs)) { if (f.includes("node_modules/zod/")) { const k = f.split("node_modules/zod/")[1].split("/").slice(0,3).join("/"); z[k]=(z[k]??0)+m.bytesInOutput; } }
console.log(Object.entries(z).sort((a,b)=>b[1]-a[1]).slice(0,12));
