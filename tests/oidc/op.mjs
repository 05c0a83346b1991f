// A real OpenID Connect provider (oidc-provider, OpenID Certified) on loopback, configured with
// PeeringDB's scopes and claims: `networks` with `perms`, `verified_user`, `email_verified`.
// Configuration comes from the environment (set by the tests):
//   OP_PORT      port on 127.0.0.1
//   OP_CLIENT    JSON: { client_id, client_secret, redirect_uris }
//   OP_JWKS      JSON: private JWK set used to sign ID tokens (RS256)
//   OP_USERS     path of a JSON file: { "<account id>": { claims... } }, read on every lookup
// Interactions: GET /interaction/:uid shows a one-field login form (the account id); consent is
// granted automatically, as PeeringDB does for an already-approved application.
import http from 'node:http';
import fs from 'node:fs';
import { URLSearchParams } from 'node:url';
import Provider from 'oidc-provider';

const port = Number(process.env.OP_PORT);
const issuer = `http://127.0.0.1:${port}`;
const client = JSON.parse(process.env.OP_CLIENT);
const jwks = JSON.parse(process.env.OP_JWKS);
const usersFile = process.env.OP_USERS;

const users = () => JSON.parse(fs.readFileSync(usersFile, 'utf8'));

const provider = new Provider(issuer, {
  clients: [{
    ...client,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks,
  cookies: { keys: ['ztix-test-op-cookie-key'] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'networks'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'id', 'verified_user'],
    email: ['email', 'email_verified'],
    networks: ['networks'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const all = users();
    if (!Object.hasOwn(all, id)) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...all[id] }; } };
  },
  renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
});
provider.proxy = false;

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'POST') {
    const body = await new Promise((resolve) => {
      let data = '';
      req.on('data', (chunk) => { data += chunk; });
      req.on('end', () => resolve(new URLSearchParams(data)));
    });
    const accountId = body.get('login') || '';
    if (!Object.hasOwn(users(), accountId)) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('unknown account');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name === 'login') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>PeeringDB test login</title><h1>Test OpenID provider</h1>
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Account</label> <input id="login" name="login" autofocus>
<button id="op-login" type="submit">Sign in</button></form>`);
    return;
  }
  // consent: grant what was asked for and continue
  const { grantId, session, params, prompt: { details: missing } } = details;
  const grant = grantId ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const saved = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId: saved } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
http.createServer(async (req, res) => {
  const match = /^\/interaction\/([^/?]+)/.exec(req.url);
  if (match) {
    try {
      await interaction(req, res, match[1]);
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(String(err && err.message));
    }
    return;
  }
  callback(req, res);
}).listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
