#!/usr/bin/env node
// Composes custgraph's subgraph SDL with other subgraphs (by default the example orders
// subgraph) using @apollo/composition, the library rover and GraphOS compose supergraphs with,
// and fails on any composition error. CI runs `npm test` here (see .ci/run).
//
//   node compose.mjs [--custgraph FILE|URL] [--subgraph NAME=FILE]... [--out FILE]
//                    [--expect-errors CODE[,CODE...]]
//
//   --custgraph      custgraph's SDL: a file (default custgraph.graphql, which the e2e test
//                    TestFederationServiceSDL keeps equal to _service.sdl), or the GraphQL URL
//                    of a running gateway (e.g. http://localhost:8080/graphql), whose
//                    `_service { sdl }` is fetched (needs CUSTGRAPH_INTROSPECTION=true).
//   --subgraph       another subgraph's SDL file; repeatable (default orders=orders.graphql).
//   --out            write the supergraph SDL there (Apollo Router: --supergraph FILE).
//   --expect-errors  succeed only if composition fails with exactly these error codes: the
//                    check that a broken subgraph is caught.
//
// Exit status: 0 composed (or failed as expected), 1 composition result not as wanted,
// 2 bad arguments or an unreadable SDL.

import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import composition from "@apollo/composition";
import { parse } from "graphql";

const { composeServices } = composition;
const here = path.dirname(fileURLToPath(import.meta.url));

function usage(msg) {
  console.error(`compose: ${msg}`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { custgraph: path.join(here, "custgraph.graphql"), subgraphs: [], out: "", expect: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case "--custgraph":
        opts.custgraph = value();
        break;
      case "--subgraph": {
        const [name, file] = value().split("=", 2);
        if (!name || !file) usage("--subgraph takes NAME=FILE");
        opts.subgraphs.push({ name, file });
        break;
      }
      case "--out":
        opts.out = value();
        break;
      case "--expect-errors":
        opts.expect = value().split(",").filter(Boolean).sort();
        break;
      default:
        usage(`unknown argument ${arg}`);
    }
  }
  if (opts.subgraphs.length === 0) {
    opts.subgraphs.push({ name: "orders", file: path.join(here, "orders.graphql") });
  }
  return opts;
}

// custgraphSDL reads the SDL from a file or from a running gateway's _service field.
async function custgraphSDL(source) {
  if (!/^https?:\/\//.test(source)) return readFile(source, "utf8");
  const res = await fetch(source, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
    body: JSON.stringify({ query: "{ _service { sdl } }" }),
  });
  const body = await res.json().catch(() => ({}));
  const sdl = body?.data?._service?.sdl;
  if (!sdl) {
    throw new Error(`${source} answered ${res.status} without _service.sdl: ${JSON.stringify(body.errors ?? body)}`);
  }
  return sdl;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const services = [];
  try {
    services.push({ name: "custgraph", url: "http://custgraph/graphql", typeDefs: parse(await custgraphSDL(opts.custgraph)) });
    for (const { name, file } of opts.subgraphs) {
      services.push({ name, url: `http://${name}/graphql`, typeDefs: parse(await readFile(file, "utf8")) });
    }
  } catch (err) {
    usage(err.message);
  }

  const result = composeServices(services);
  const names = services.map((s) => s.name).join(" + ");
  if (result.errors) {
    const codes = [...new Set(result.errors.map((e) => e.extensions?.code ?? "UNKNOWN"))].sort();
    for (const e of result.errors) console.error(`  ${e.extensions?.code ?? "UNKNOWN"}: ${e.message}`);
    if (opts.expect && codes.join(",") === opts.expect.join(",")) {
      console.log(`ok: ${names} fails to compose, as expected (${codes.join(", ")})`);
      return 0;
    }
    console.error(`FAIL: ${names} does not compose (${result.errors.length} errors)`);
    return 1;
  }
  if (opts.expect) {
    console.error(`FAIL: ${names} composed, but errors ${opts.expect.join(", ")} were expected`);
    return 1;
  }
  for (const h of result.hints ?? []) console.log(`  hint ${h.definition?.code ?? ""}: ${h.message}`);
  if (opts.out) await writeFile(opts.out, result.supergraphSdl);
  console.log(`ok: ${names} composes into a supergraph (${result.supergraphSdl.length} bytes of SDL, ` +
    `${(result.hints ?? []).length} hints)`);
  return 0;
}

process.exit(await main());
