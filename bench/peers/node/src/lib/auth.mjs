// Ed25519 (EdDSA) session tokens with jose: the user function signs, both verify.

import { randomUUID } from 'node:crypto';
import { SignJWT, importPKCS8, importSPKI, jwtVerify, errors } from 'jose';
import { cookie, header, unauthorized } from './http.mjs';

const LEEWAY_SECONDS = 5;
export const SESSION_COOKIE = 'jwtToken';

/** Reads the keys and claims settings from the environment. */
export async function loadKeys({ signing }) {
  const pem = (name) => process.env[name]?.replace(/\\n/g, '\n');
  const issuer = process.env.JWT_ISSUER || 'todo-service';
  const audience = process.env.JWT_AUDIENCE || 'todo-web';
  const publicKey = await importSPKI(pem('JWT_PUBLIC_KEY'), 'EdDSA');
  const privateKey = signing ? await importPKCS8(pem('JWT_PRIVATE_KEY'), 'EdDSA') : undefined;
  const lifetime = Number(process.env.JWT_TTL_SECONDS || 3600);
  return { issuer, audience, publicKey, privateKey, lifetime };
}

/** A token for a user, naming a new session (`jti`). */
export async function issue(keys, userId, name) {
  const iat = Math.floor(Date.now() / 1000);
  const session = randomUUID();
  const token = await new SignJWT({ name })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setSubject(userId)
    .setJti(session)
    .setIssuedAt(iat)
    .setExpirationTime(iat + keys.lifetime)
    .setIssuer(keys.issuer)
    .setAudience(keys.audience)
    .sign(keys.privateKey);
  return { token, lifetime: keys.lifetime, session, expiresAt: iat + keys.lifetime };
}

/**
 * The token's user and session, from `Authorization: Bearer` or the session cookie;
 * else a 401. The session itself is checked by sessions.requireOpen.
 */
export async function authenticate(event, keys) {
  let token;
  const authorization = header(event, 'authorization');
  if (authorization !== undefined) {
    const [scheme, value = ''] = authorization.split(/ (.*)/s);
    if (scheme.toLowerCase() !== 'bearer' || value.trim() === '') {
      throw unauthorized('The Authorization header must be `Bearer <token>`.');
    }
    token = value.trim();
  } else {
    token = cookie(event, SESSION_COOKIE);
    if (!token) throw unauthorized('Please log in: this request carries no session token.');
  }
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, {
      algorithms: ['EdDSA'],
      issuer: keys.issuer,
      audience: keys.audience,
      clockTolerance: LEEWAY_SECONDS,
      requiredClaims: ['exp', 'iat', 'sub', 'iss', 'aud'],
    });
    if (typeof payload.name !== 'string' || payload.iat > Date.now() / 1000 + LEEWAY_SECONDS) {
      throw new errors.JWTInvalid('bad claims');
    }
    if (typeof payload.jti !== 'string' || payload.jti === '') {
      throw unauthorized('This session has ended; please log in again.');
    }
    return { id: payload.sub, name: payload.name, session: payload.jti };
  } catch (e) {
    if (!(e instanceof errors.JOSEError)) throw e;
    if (e instanceof errors.JWTExpired) throw unauthorized('Your session has expired; please log in again.');
    if (e instanceof errors.JWTClaimValidationFailed && (e.claim === 'iss' || e.claim === 'aud')) {
      throw unauthorized('This token was not issued for this service; please log in again.');
    }
    throw unauthorized('The session token is invalid; please log in again.');
  }
}

/** The session cookie (or its removal). */
export function sessionCookie(token, maxAge, secure) {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}
