import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';

/** Whether `keyPem` is the private key of `cert` (a PEM certificate or a parsed one); an unreadable key or certificate is not. */
export function keyMatchesCertificate(keyPem: string, cert: string | X509Certificate): boolean {
  try {
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    const fromCert = (typeof cert === 'string' ? new X509Certificate(cert) : cert).publicKey.export({ type: 'spki', format: 'der' });
    return Buffer.from(fromKey).equals(Buffer.from(fromCert));
  } catch {
    return false;
  }
}
