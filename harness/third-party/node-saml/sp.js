// A small SAML service provider around node-saml (@node-saml/node-saml, npm), in the strictest
// configuration the library documents, for `harness probe-sp` to attack (issue 16, item 3;
// R-VEN-6).
//
// What a careful developer writes from the library's README: signed assertions required,
// InResponseTo always validated (node-saml's own cache of the AuthnRequests it sent, one use
// each), the Audience and the IdP's Issuer set, the reference SP's 120 s of clock skew. Every weakness the
// probe finds here is the library's, not this file's.
//
//     node sp.js --idp-entity-id ID --idp-sso-url URL --idp-cert FILE [--port N]
//
// binds 127.0.0.1 (on a free port without --port), then prints one line
// `listening on http://127.0.0.1:PORT`. Routes: GET /metadata (the SP's), GET /login (to the
// IdP), POST /acs, GET /whoami (200 {"user": NameID} or 401).
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const { parseArgs } = require("node:util");
const { SAML, ValidateInResponseTo } = require("@node-saml/node-saml");

const ENTITY_ID = "https://node-saml-sp.example/";
const MAX_BODY = 256 * 1024;
const MAX_SESSIONS = 1000;

const { values: args } = parseArgs({
  options: {
    "idp-entity-id": { type: "string" },
    "idp-sso-url": { type: "string" },
    "idp-cert": { type: "string" },
    port: { type: "string", default: "0" },
  },
});
for (const k of ["idp-entity-id", "idp-sso-url", "idp-cert"]) {
  if (!args[k]) {
    console.error(`sp.js: --${k} is required`);
    process.exit(2);
  }
}
const idpCert = fs.readFileSync(args["idp-cert"], "utf8");

// Sessions, oldest dropped first (a Map keeps insertion order).
const sessions = new Map();
function session(req, res) {
  const m = /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(req.headers.cookie || "");
  if (m && sessions.has(m[1])) return sessions.get(m[1]);
  const sid = crypto.randomBytes(24).toString("base64url");
  const s = {};
  sessions.set(sid, s);
  while (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value);
  res.setHeader("Set-Cookie", `sid=${sid}; Path=/; HttpOnly`);
  return s;
}

function answer(res, status, body = "", headers = {}) {
  res.writeHead(status, { "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

function start(saml, base) {
  return async (req, res) => {
    const url = new URL(req.url, base);
    const s = session(req, res);
    try {
      if (req.method === "GET" && url.pathname === "/login") {
        const to = await saml.getAuthorizeUrlAsync("/whoami", undefined, {});
        return answer(res, 302, "", { Location: to });
      }
      if (req.method === "GET" && url.pathname === "/metadata") {
        const md = saml.generateServiceProviderMetadata(null, null);
        return answer(res, 200, md, { "Content-Type": "application/samlmetadata+xml" });
      }
      if (req.method === "GET" && url.pathname === "/whoami") {
        return answer(res, s.user ? 200 : 401, JSON.stringify({ user: s.user || null }), {
          "Content-Type": "application/json",
        });
      }
      if (req.method === "POST" && url.pathname === "/acs") {
        const chunks = [];
        let size = 0;
        for await (const c of req) {
          size += c.length;
          if (size > MAX_BODY) return answer(res, 413, "too large");
          chunks.push(c);
        }
        const form = new URLSearchParams(Buffer.concat(chunks).toString("latin1"));
        try {
          const { profile } = await saml.validatePostResponseAsync({
            SAMLResponse: form.get("SAMLResponse") || "",
          });
          if (!profile || !profile.nameID) return answer(res, 403, "refused: no profile");
          s.user = profile.nameID;
          return answer(res, 303, "", { Location: "/whoami" });
        } catch (e) {
          return answer(res, 403, `refused: ${e.message}`);
        }
      }
      return answer(res, 404, "not found");
    } catch (e) {
      return answer(res, 500, `error: ${e.message}`);
    }
  };
}

const server = http.createServer();
server.listen(Number(args.port), "127.0.0.1", () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const saml = new SAML({
    issuer: ENTITY_ID,
    audience: ENTITY_ID,
    callbackUrl: `${base}/acs`,
    entryPoint: args["idp-sso-url"],
    idpIssuer: args["idp-entity-id"],
    idpCert,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: ValidateInResponseTo.always,
    // The reference SP's skew (R-SA-6), so that time verdicts compare like with like.
    acceptedClockSkewMs: 120 * 1000,
    identifierFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    disableRequestedAuthnContext: true,
    signatureAlgorithm: "sha256",
    digestAlgorithm: "sha256",
  });
  server.on("request", start(saml, base));
  console.log(`listening on ${base}`);
});
