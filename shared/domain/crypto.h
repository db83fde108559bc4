#pragma once

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <memory>
#include <optional>

// OpenSSL's key type, kept out of this header so that callers do not include OpenSSL.
struct evp_pkey_st;

/// Cryptographic primitives on top of OpenSSL 3 (EVP interfaces only), and libsodium for Argon2id
/// password hashes (OpenSSL 3.0 has no Argon2).
///
/// Failures of OpenSSL itself (out of memory, a broken provider, an empty entropy pool) throw
/// pomelo::Error with ErrorCode::Internal; invalid *input* (a bad tag, a malformed PEM or password
/// hash) is answered with nullopt / false instead. No function puts key material into an exception
/// detail. Every function is safe to call from several threads at once.
namespace pomelo::crypto {

/// @p n bytes from OpenSSL's CSPRNG (RAND_bytes). Throws if the generator fails; never returns
/// weak bytes. @p n < 0 is a programming error (throws).
QByteArray randomBytes(int n);

/// @p bytes random bytes as unpadded base64url ([A-Za-z0-9_-]; 4 chars per 3 bytes, rounded up):
/// session tokens, app secrets, ids that must not be guessable.
QString randomToken(int bytes = 32);

QByteArray sha256(const QByteArray &data);
QByteArray hmacSha256(const QByteArray &key, const QByteArray &data);

/// Compares in time that depends only on the lengths: different lengths are false at once (the
/// length is not a secret), equal lengths are compared with CRYPTO_memcmp.
bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

// ---- RSA-SHA256 (PKCS#1 v1.5, "SHA256withRSA" of WeChat Pay APIv3) ------------------------------

/// Keys below this size are refused when loaded or generated.
inline constexpr int MinRsaBits = 2048;

class RsaPublicKey;

struct RsaKeyPairPem
{
    QByteArray privateKeyPem; ///< PKCS#8 "PRIVATE KEY" — a secret
    QByteArray publicKeyPem; ///< "PUBLIC KEY"
};

/// An RSA private key (shared, immutable: copies are cheap and may be used from several threads).
class RsaPrivateKey
{
public:
    /// Reads a PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY" PEM. nullopt if the PEM is
    /// malformed, encrypted, not RSA or smaller than MinRsaBits. Never prompts for a passphrase.
    static std::optional<RsaPrivateKey> fromPem(const QByteArray &pem);

    /// The raw RSASSA-PKCS1-v1_5 SHA-256 signature (bits()/8 bytes; base64 it for WeChat).
    /// Deterministic: the same key and data give the same bytes.
    QByteArray sign(const QByteArray &data) const;
    RsaPublicKey publicKey() const;
    int bits() const;
    /// PKCS#8 PEM ("PRIVATE KEY"). Handle the result as a secret.
    QByteArray toPem() const;

private:
    explicit RsaPrivateKey(std::shared_ptr<evp_pkey_st> key);
    std::shared_ptr<evp_pkey_st> m_key;
    friend class RsaPublicKey;
    friend RsaKeyPairPem generateRsaKeyPair(int);
    friend QByteArray selfSignedCertificatePem(const RsaPrivateKey &, const QString &,
                                               const QString &, int);
};

/// An RSA public key (shared, immutable).
class RsaPublicKey
{
public:
    /// Reads a "PUBLIC KEY" (SubjectPublicKeyInfo) or PKCS#1 "RSA PUBLIC KEY" PEM.
    static std::optional<RsaPublicKey> fromPem(const QByteArray &pem);
    /// The public key of an X.509 "CERTIFICATE" PEM (e.g. a WeChat Pay platform certificate).
    /// Only extracts the key: the certificate chain and validity are not checked here.
    static std::optional<RsaPublicKey> fromCertificatePem(const QByteArray &pem);

    /// True iff @p signature is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of @p data.
    bool verify(const QByteArray &data, const QByteArray &signature) const;
    int bits() const;
    /// SubjectPublicKeyInfo PEM ("PUBLIC KEY").
    QByteArray toPem() const;

private:
    explicit RsaPublicKey(std::shared_ptr<evp_pkey_st> key);
    std::shared_ptr<evp_pkey_st> m_key;
    friend class RsaPrivateKey;
};

/// A fresh key pair (e = 65537). @p bits below MinRsaBits or above 16384 throws.
RsaKeyPairPem generateRsaKeyPair(int bits = 2048);

/// The serial number of an X.509 certificate PEM as upper-case hex of whole bytes, as
/// `openssl x509 -noout -serial` prints it: the form of WeChat Pay's `Wechatpay-Serial` header.
/// nullopt if the PEM is not a certificate.
std::optional<QString> certificateSerialHex(const QByteArray &certificatePem);

/// A self-signed X.509 v3 certificate PEM for @p key (SHA-256, CN = @p commonName, valid from
/// now − 1 h for @p days days) with serial @p serialHex (hex, at most 40 digits, not zero).
/// For the sandbox, which plays WeChat Pay's platform certificate. Throws on invalid arguments.
QByteArray selfSignedCertificatePem(const RsaPrivateKey &key, const QString &commonName,
                                    const QString &serialHex, int days = 3650);

// ---- AES-256-GCM (AEAD_AES_256_GCM of WeChat Pay APIv3 notifications and certificates) ---------

inline constexpr int AesGcmTagSize = 16;

/// Encrypts @p plaintext with a 32-byte @p key and a nonce of 1..128 bytes (WeChat uses 12 ASCII
/// characters), authenticating @p associatedData too. Returns ciphertext || 16-byte tag, which is
/// what WeChat base64-encodes as `ciphertext`. Another key size or nonce length throws.
/// Never reuse a (key, nonce) pair.
QByteArray aes256GcmEncrypt(const QByteArray &key, const QByteArray &nonce,
                            const QByteArray &plaintext, const QByteArray &associatedData = {});

/// The inverse of aes256GcmEncrypt. nullopt if the tag does not match (tampered ciphertext, wrong
/// key, nonce or associated data), if the input is shorter than the tag, the key is not 32 bytes
/// or the nonce is not 1..128 bytes. Never returns unauthenticated plaintext.
std::optional<QByteArray> aes256GcmDecrypt(const QByteArray &key, const QByteArray &nonce,
                                           const QByteArray &ciphertextAndTag,
                                           const QByteArray &associatedData = {});

// ---- Password hashing (Argon2id; PBKDF2-HMAC-SHA256 still verified) -----------------------------

/// Argon2id costs of new hashes: libsodium's INTERACTIVE limits (2 passes over 64 MiB), some tens
/// of milliseconds per login on a server core, which keeps a console login quick and an offline
/// guess expensive in memory.
inline constexpr unsigned long long Argon2OpsLimit = 2;
inline constexpr std::size_t Argon2MemLimit = std::size_t(64) * 1024 * 1024;
/// Costs above these in a stored hash are refused (verification false): a forged row must not make
/// a login take minutes or gigabytes.
inline constexpr unsigned long long Argon2MaxOpsLimit = 16;
inline constexpr std::size_t Argon2MaxMemLimit = std::size_t(1024) * 1024 * 1024;

inline constexpr int PasswordMinIterations = 100000;
inline constexpr int PasswordDefaultIterations = 120000;
/// Larger counts in a stored hash are refused: a forged row must not make a login cost minutes.
inline constexpr int PasswordMaxIterations = 10000000;

/// Raw PBKDF2-HMAC-SHA256 (any iteration count ≥ 1, @p keyLength ≥ 1 bytes).
QByteArray pbkdf2Sha256(const QByteArray &password, const QByteArray &salt, int iterations,
                        int keyLength = 32);

/// A new password hash: Argon2id in the PHC string form of libsodium's crypto_pwhash_str
/// (`$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>`, 16-byte random salt, 32-byte hash), with the
/// costs above. The password is NFKC-normalised and UTF-8 encoded first, so the same password
/// typed on different systems verifies. Throws Error(Internal) only when libsodium cannot run
/// (no memory for the 64 MiB, libsodium failed to initialise).
QString hashPassword(const QString &password);

/// The former format, still verified so that existing users can log in (and be rehashed to
/// Argon2id then): `pbkdf2-sha256$<iterations>$<salt>$<hash>`, salt 16 random bytes and hash 32
/// bytes, both in standard base64 without padding, same normalisation. Only tests and migrations
/// write it. @p iterations outside [PasswordMinIterations, PasswordMaxIterations] throws.
QString hashPasswordPbkdf2(const QString &password, int iterations = PasswordDefaultIterations);

/// True iff @p encoded is a well-formed hash of hashPassword() or hashPasswordPbkdf2() and
/// @p password matches it. Hash comparisons are constant-time (CRYPTO_memcmp, sodium's
/// verification). Malformed input, costs out of range (see the limits above), a PBKDF2 salt
/// shorter than 16 bytes or a hash that is not 32 bytes: false (never throws for bad input).
bool verifyPassword(const QString &password, const QString &encoded);

/// True if @p encoded is a valid hash that is not an Argon2id hash with today's costs (every
/// PBKDF2 hash, an Argon2id hash with other limits): store hashPassword() at the next successful
/// login. False for malformed input (nothing would verify against it anyway).
bool passwordNeedsRehash(const QString &encoded);

} // namespace pomelo::crypto
