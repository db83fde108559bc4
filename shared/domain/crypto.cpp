// Compile against the OpenSSL 3 API only: any call to a deprecated low-level function fails the
// build.
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include "domain/crypto.h"

#include "domain/errors.h"

#include <QStringList>

#include <climits>
#include <cstdint>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

namespace pomelo::crypto {

namespace {

template<typename T, void (*Free)(T *)> struct Deleter
{
    void operator()(T *p) const noexcept { Free(p); }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, Deleter<EVP_KDF_CTX, EVP_KDF_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using DecoderCtxPtr =
    std::unique_ptr<OSSL_DECODER_CTX, Deleter<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>>;

std::shared_ptr<EVP_PKEY> sharedKey(EVP_PKEY *key)
{
    return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

/// Throws Internal with OpenSSL's reason (reason strings never carry key material) and empties
/// OpenSSL's per-thread error queue so that it cannot leak into an unrelated later call.
[[noreturn]] void fail(const char *what)
{
    const unsigned long err = ERR_peek_last_error();
    QString detail = QStringLiteral("crypto: ") + QLatin1String(what);
    if (err != 0) {
        char buf[256];
        ERR_error_string_n(err, buf, sizeof buf);
        detail += QStringLiteral(" (") + QLatin1String(buf) + QLatin1Char(')');
    }
    ERR_clear_error();
    throw Error(ErrorCode::Internal, detail);
}

/// OpenSSL takes int lengths; our inputs are bounded far below that, anything else is a bug.
int intSize(const QByteArray &data)
{
    if (data.size() > INT_MAX)
        fail("input larger than 2 GiB");
    return int(data.size());
}

const unsigned char *bytes(const QByteArray &data)
{
    // constData() of an empty QByteArray points at a '\0', never null: OpenSSL gets a valid pointer
    // with length 0 (a null key would mean "keep the previous key" to EVP_MAC_init).
    return reinterpret_cast<const unsigned char *>(data.constData());
}

unsigned char *bytes(QByteArray &data)
{
    return reinterpret_cast<unsigned char *>(data.data());
}

/// Algorithms are fetched once: implicit fetching on every call costs more than a short HMAC.
/// Fetched algorithm objects are immutable and may be shared between threads.
struct Algorithms
{
    EVP_MD *sha256 = nullptr;
    EVP_MAC *hmac = nullptr;
    EVP_CIPHER *aes256Gcm = nullptr;
    EVP_KDF *pbkdf2 = nullptr;

    Algorithms()
    {
        sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        aes256Gcm = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
        pbkdf2 = EVP_KDF_fetch(nullptr, "PBKDF2", nullptr);
        if (!sha256 || !hmac || !aes256Gcm || !pbkdf2) {
            release();
            fail("fetching algorithms");
        }
    }
    ~Algorithms() { release(); }
    Algorithms(const Algorithms &) = delete;
    Algorithms &operator=(const Algorithms &) = delete;

    void release() noexcept
    {
        EVP_MD_free(sha256);
        EVP_MAC_free(hmac);
        EVP_CIPHER_free(aes256Gcm);
        EVP_KDF_free(pbkdf2);
        sha256 = nullptr;
        hmac = nullptr;
        aes256Gcm = nullptr;
        pbkdf2 = nullptr;
    }
};

const Algorithms &algorithms()
{
    static const Algorithms instance;
    return instance;
}

/// One HMAC-SHA256 context per thread, re-keyed on every use (EVP_MAC_init with a key resets it
/// completely); creating a context and setting its digest per call would dominate short inputs.
struct ThreadHmac
{
    EVP_MAC_CTX *ctx = nullptr;
    ThreadHmac()
    {
        ctx = EVP_MAC_CTX_new(algorithms().hmac);
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
            OSSL_PARAM_construct_end()};
        if (!ctx || !EVP_MAC_CTX_set_params(ctx, params)) {
            EVP_MAC_CTX_free(ctx);
            fail("HMAC context");
        }
    }
    ~ThreadHmac() { EVP_MAC_CTX_free(ctx); }
    ThreadHmac(const ThreadHmac &) = delete;
    ThreadHmac &operator=(const ThreadHmac &) = delete;
};

QByteArray readBio(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? QByteArray(data, size) : QByteArray();
}

/// Password callback for the PEM readers: an encrypted key fails instead of prompting on a tty.
int noPassphrase(char *, int, int, void *)
{
    return -1;
}

BioPtr memoryBio(const QByteArray &data)
{
    BioPtr bio(BIO_new_mem_buf(data.constData(), intSize(data)));
    if (!bio)
        fail("BIO_new_mem_buf");
    return bio;
}

/// An RSA key of acceptable size, or nullptr (and the key released).
EVP_PKEY *acceptRsa(EVP_PKEY *key)
{
    if (key && EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= MinRsaBits)
        return key;
    EVP_PKEY_free(key);
    return nullptr;
}

/// A new key object holding only the public half of @p key (a DER round trip), so that a public
/// key never carries private material, whatever it was decoded from.
EVP_PKEY *publicOnly(EVP_PKEY *key)
{
    unsigned char *der = nullptr;
    const int length = i2d_PUBKEY(key, &der);
    if (length <= 0)
        fail("encoding the public key");
    const unsigned char *cursor = der;
    EVP_PKEY *result = d2i_PUBKEY(nullptr, &cursor, length);
    OPENSSL_free(der);
    if (!result)
        fail("decoding the public key");
    return result;
}

bool isHexDigits(const QString &text)
{
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (!((u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f') || (u >= u'A' && u <= u'F')))
            return false;
    }
    return !text.isEmpty();
}

} // namespace

// ---- randomness, hashes, MAC --------------------------------------------------------------------

QByteArray randomBytes(int n)
{
    if (n < 0)
        fail("negative random length");
    QByteArray out(n, Qt::Uninitialized);
    if (n > 0 && RAND_bytes(bytes(out), n) != 1)
        fail("RAND_bytes");
    return out;
}

QString randomToken(int bytes)
{
    return QString::fromLatin1(randomBytes(bytes).toBase64(QByteArray::Base64UrlEncoding
                                                           | QByteArray::OmitTrailingEquals));
}

QByteArray sha256(const QByteArray &data)
{
    QByteArray out(32, Qt::Uninitialized);
    unsigned int length = 0;
    if (EVP_Digest(data.constData(), size_t(intSize(data)), bytes(out), &length,
                   algorithms().sha256, nullptr)
            != 1
        || length != 32)
        fail("SHA-256");
    return out;
}

QByteArray hmacSha256(const QByteArray &key, const QByteArray &data)
{
    thread_local ThreadHmac hmac;
    QByteArray out(32, Qt::Uninitialized);
    size_t length = 0;
    if (EVP_MAC_init(hmac.ctx, bytes(key), size_t(intSize(key)), nullptr) != 1
        || EVP_MAC_update(hmac.ctx, bytes(data), size_t(intSize(data))) != 1
        || EVP_MAC_final(hmac.ctx, bytes(out), &length, size_t(out.size())) != 1 || length != 32)
        fail("HMAC-SHA256");
    return out;
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    return a.isEmpty() || CRYPTO_memcmp(a.constData(), b.constData(), size_t(a.size())) == 0;
}

// ---- RSA ----------------------------------------------------------------------------------------

RsaPrivateKey::RsaPrivateKey(std::shared_ptr<evp_pkey_st> key)
    : m_key(std::move(key))
{ }

std::optional<RsaPrivateKey> RsaPrivateKey::fromPem(const QByteArray &pem)
{
    const BioPtr bio = memoryBio(pem);
    EVP_PKEY *key = acceptRsa(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
    ERR_clear_error();
    if (!key)
        return std::nullopt;
    return RsaPrivateKey(sharedKey(key));
}

QByteArray RsaPrivateKey::sign(const QByteArray &data) const
{
    const MdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX *pctx = nullptr; // owned by ctx
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, algorithms().sha256, nullptr, m_key.get()) != 1
        || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        fail("RSA sign init");
    size_t length = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &length, bytes(data), size_t(intSize(data))) != 1)
        fail("RSA sign size");
    QByteArray out(qsizetype(length), Qt::Uninitialized);
    if (EVP_DigestSign(ctx.get(), bytes(out), &length, bytes(data), size_t(data.size())) != 1)
        fail("RSA sign");
    out.resize(qsizetype(length));
    return out;
}

RsaPublicKey RsaPrivateKey::publicKey() const
{
    return RsaPublicKey(sharedKey(publicOnly(m_key.get())));
}

int RsaPrivateKey::bits() const
{
    return EVP_PKEY_get_bits(m_key.get());
}

QByteArray RsaPrivateKey::toPem() const
{
    const BioPtr bio(BIO_new(BIO_s_secmem()));
    if (!bio
        || PEM_write_bio_PrivateKey(bio.get(), m_key.get(), nullptr, nullptr, 0, nullptr, nullptr)
            != 1)
        fail("writing the private key");
    return readBio(bio.get());
}

RsaPublicKey::RsaPublicKey(std::shared_ptr<evp_pkey_st> key)
    : m_key(std::move(key))
{ }

std::optional<RsaPublicKey> RsaPublicKey::fromPem(const QByteArray &pem)
{
    // Only PEM blocks that are public keys: a private key must not silently load as a "public" one.
    if (!pem.contains("-----BEGIN PUBLIC KEY-----")
        && !pem.contains("-----BEGIN RSA PUBLIC KEY-----"))
        return std::nullopt;
    EVP_PKEY *key = nullptr;
    const DecoderCtxPtr decoder(OSSL_DECODER_CTX_new_for_pkey(
        &key, "PEM", nullptr, "RSA", EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
    if (!decoder)
        fail("OSSL_DECODER_CTX_new_for_pkey");
    const unsigned char *data = bytes(pem);
    size_t length = size_t(intSize(pem));
    OSSL_DECODER_from_data(decoder.get(), &data, &length);
    ERR_clear_error();
    key = acceptRsa(key);
    if (!key)
        return std::nullopt;
    const auto decoded = sharedKey(key);
    return RsaPublicKey(sharedKey(publicOnly(decoded.get())));
}

std::optional<RsaPublicKey> RsaPublicKey::fromCertificatePem(const QByteArray &pem)
{
    const BioPtr bio = memoryBio(pem);
    const X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, noPassphrase, nullptr));
    EVP_PKEY *key = certificate ? acceptRsa(X509_get_pubkey(certificate.get())) : nullptr;
    ERR_clear_error();
    if (!key)
        return std::nullopt;
    return RsaPublicKey(sharedKey(key));
}

bool RsaPublicKey::verify(const QByteArray &data, const QByteArray &signature) const
{
    if (data.size() > INT_MAX || signature.size() > INT_MAX)
        return false;
    const MdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX *pctx = nullptr; // owned by ctx
    if (!ctx
        || EVP_DigestVerifyInit(ctx.get(), &pctx, algorithms().sha256, nullptr, m_key.get()) != 1
        || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        fail("RSA verify init");
    const int result = EVP_DigestVerify(ctx.get(), bytes(signature), size_t(signature.size()),
                                        bytes(data), size_t(data.size()));
    ERR_clear_error(); // a bad signature leaves reasons in the queue
    return result == 1;
}

int RsaPublicKey::bits() const
{
    return EVP_PKEY_get_bits(m_key.get());
}

QByteArray RsaPublicKey::toPem() const
{
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), m_key.get()) != 1)
        fail("writing the public key");
    return readBio(bio.get());
}

RsaKeyPairPem generateRsaKeyPair(int bits)
{
    if (bits < MinRsaBits || bits > 16384)
        fail("RSA key size out of range");
    const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EVP_PKEY *raw = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1
        || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1
        || EVP_PKEY_generate(ctx.get(), &raw) != 1)
        fail("RSA key generation");
    const RsaPrivateKey key(sharedKey(raw));
    return {key.toPem(), key.publicKey().toPem()};
}

std::optional<QString> certificateSerialHex(const QByteArray &certificatePem)
{
    const BioPtr bio = memoryBio(certificatePem);
    const X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, noPassphrase, nullptr));
    ERR_clear_error();
    if (!certificate)
        return std::nullopt;
    const BnPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate.get()), nullptr));
    char *hex = serial ? BN_bn2hex(serial.get()) : nullptr;
    if (!hex)
        fail("reading the certificate serial");
    const QString result = QString::fromLatin1(hex).toUpper();
    OPENSSL_free(hex);
    return result;
}

QByteArray selfSignedCertificatePem(const RsaPrivateKey &key, const QString &commonName,
                                    const QString &serialHex, int days)
{
    if (!isHexDigits(serialHex) || serialHex.size() > 40 || days < 1 || days > 36500
        || commonName.isEmpty())
        fail("invalid certificate parameters");
    BIGNUM *rawSerial = nullptr;
    if (BN_hex2bn(&rawSerial, serialHex.toLatin1().constData()) != int(serialHex.size()))
        fail("invalid certificate serial");
    const BnPtr serial(rawSerial);
    if (BN_is_zero(serial.get()))
        fail("certificate serial is zero");

    const X509Ptr certificate(X509_new());
    if (!certificate)
        fail("X509_new");
    X509 *x = certificate.get();
    X509_NAME *name = X509_get_subject_name(x);
    const QByteArray cn = commonName.toUtf8();
    if (X509_set_version(x, X509_VERSION_3) != 1
        || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x))
        || !X509_gmtime_adj(X509_getm_notBefore(x), -3600)
        || !X509_gmtime_adj(X509_getm_notAfter(x), long(days) * 86400)
        || X509_set_pubkey(x, key.m_key.get()) != 1
        || X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, bytes(cn), intSize(cn), -1, 0) != 1
        || X509_set_issuer_name(x, name) != 1
        || X509_sign(x, key.m_key.get(), algorithms().sha256) <= 0)
        fail("building the certificate");
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), x) != 1)
        fail("writing the certificate");
    return readBio(bio.get());
}

// ---- AES-256-GCM --------------------------------------------------------------------------------

namespace {

/// Key and nonce checks shared by both directions; the provider's IV buffer is 128 bytes.
bool validGcmParameters(const QByteArray &key, const QByteArray &nonce)
{
    return key.size() == 32 && !nonce.isEmpty() && nonce.size() <= 128;
}

bool initGcm(EVP_CIPHER_CTX *ctx, bool encrypt, const QByteArray &key, const QByteArray &nonce)
{
    return EVP_CipherInit_ex(ctx, algorithms().aes256Gcm, nullptr, nullptr, nullptr,
                             encrypt ? 1 : 0)
        == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, int(nonce.size()), nullptr) == 1
        && EVP_CipherInit_ex(ctx, nullptr, nullptr, bytes(key), bytes(nonce), encrypt ? 1 : 0) == 1;
}

} // namespace

QByteArray aes256GcmEncrypt(const QByteArray &key, const QByteArray &nonce,
                            const QByteArray &plaintext, const QByteArray &associatedData)
{
    if (!validGcmParameters(key, nonce))
        fail("AES-256-GCM needs a 32-byte key and a 1..128-byte nonce");
    const int plainSize = intSize(plaintext);
    const int aadSize = intSize(associatedData);
    if (plainSize > INT_MAX - AesGcmTagSize)
        fail("AES-256-GCM input too large");
    const CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    QByteArray out(plainSize + AesGcmTagSize, Qt::Uninitialized);
    int length = 0;
    int finalLength = 0;
    if (!ctx || !initGcm(ctx.get(), true, key, nonce)
        || (aadSize > 0
            && EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytes(associatedData), aadSize) != 1)
        || (plainSize > 0
            && EVP_EncryptUpdate(ctx.get(), bytes(out), &length, bytes(plaintext), plainSize) != 1)
        || EVP_EncryptFinal_ex(ctx.get(), bytes(out) + plainSize, &finalLength) != 1
        || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, AesGcmTagSize,
                               bytes(out) + plainSize)
            != 1)
        fail("AES-256-GCM encrypt");
    return out;
}

std::optional<QByteArray> aes256GcmDecrypt(const QByteArray &key, const QByteArray &nonce,
                                           const QByteArray &ciphertextAndTag,
                                           const QByteArray &associatedData)
{
    if (!validGcmParameters(key, nonce) || ciphertextAndTag.size() < AesGcmTagSize
        || ciphertextAndTag.size() > INT_MAX || associatedData.size() > INT_MAX)
        return std::nullopt;
    const int cipherSize = int(ciphertextAndTag.size()) - AesGcmTagSize;
    const int aadSize = int(associatedData.size());
    // The tag is handed to OpenSSL through a non-const pointer; copy it rather than cast away
    // const.
    QByteArray tag = ciphertextAndTag.right(AesGcmTagSize);
    const CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx)
        fail("EVP_CIPHER_CTX_new");
    QByteArray out(cipherSize, Qt::Uninitialized);
    int length = 0;
    int finalLength = 0;
    const bool ok = initGcm(ctx.get(), false, key, nonce)
        && (aadSize == 0
            || EVP_DecryptUpdate(ctx.get(), nullptr, &length, bytes(associatedData), aadSize) == 1)
        && (cipherSize == 0
            || EVP_DecryptUpdate(ctx.get(), bytes(out), &length, bytes(ciphertextAndTag),
                                 cipherSize)
                == 1)
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, AesGcmTagSize, bytes(tag)) == 1
        && EVP_DecryptFinal_ex(ctx.get(), bytes(out) + cipherSize, &finalLength) == 1;
    ERR_clear_error();
    if (!ok) {
        // Unauthenticated plaintext must not survive, not even in freed memory.
        if (!out.isEmpty())
            OPENSSL_cleanse(out.data(), size_t(out.size()));
        return std::nullopt;
    }
    return out;
}

// ---- passwords ----------------------------------------------------------------------------------

QByteArray pbkdf2Sha256(const QByteArray &password, const QByteArray &salt, int iterations,
                        int keyLength)
{
    if (iterations < 1 || keyLength < 1)
        fail("PBKDF2 parameters out of range");
    const KdfCtxPtr ctx(EVP_KDF_CTX_new(algorithms().pbkdf2));
    if (!ctx)
        fail("EVP_KDF_CTX_new");
    char digest[] = "SHA256";
    unsigned int iter = unsigned(iterations);
    int pkcs5 = 1; // plain PKCS#5 semantics whatever the provider's SP 800-132 lower bounds
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                          const_cast<char *>(password.constData()),
                                          size_t(intSize(password))),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char *>(salt.constData()),
                                          size_t(intSize(salt))),
        OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iter),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5),
        OSSL_PARAM_construct_end(),
    };
    QByteArray out(keyLength, Qt::Uninitialized);
    if (EVP_KDF_derive(ctx.get(), bytes(out), size_t(keyLength), params) != 1)
        fail("PBKDF2");
    return out;
}

namespace {

const QLatin1String PasswordScheme("pbkdf2-sha256");
constexpr int PasswordSaltSize = 16;
constexpr int PasswordHashSize = 32;

QByteArray passwordBytes(const QString &password)
{
    return password.normalized(QString::NormalizationForm_KC).toUtf8();
}

QString base64(const QByteArray &data)
{
    return QString::fromLatin1(data.toBase64(QByteArray::OmitTrailingEquals));
}

/// Strict decoding: only the canonical unpadded standard form that base64() writes.
std::optional<QByteArray> fromBase64(const QString &text)
{
    if (text.isEmpty())
        return std::nullopt;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (!((u >= u'A' && u <= u'Z') || (u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9')
              || u == u'+' || u == u'/'))
            return std::nullopt;
    }
    auto decoded =
        QByteArray::fromBase64Encoding(text.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || base64(decoded.decoded) != text)
        return std::nullopt;
    return decoded.decoded;
}

struct PasswordHash
{
    int iterations = 0;
    QByteArray salt;
    QByteArray hash;
};

std::optional<PasswordHash> parsePasswordHash(const QString &encoded)
{
    if (encoded.size() > 512)
        return std::nullopt;
    const QStringList parts = encoded.split(QLatin1Char('$'));
    if (parts.size() != 4 || parts[0] != PasswordScheme)
        return std::nullopt;
    const QString &count = parts[1];
    // Digits only, no sign, no leading zero, no spaces: one hash has exactly one spelling.
    if (count.isEmpty() || count.size() > 9 || count.front() == QLatin1Char('0'))
        return std::nullopt;
    for (const QChar c : count) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return std::nullopt;
    }
    PasswordHash result;
    result.iterations = count.toInt();
    if (result.iterations < PasswordMinIterations || result.iterations > PasswordMaxIterations)
        return std::nullopt;
    auto salt = fromBase64(parts[2]);
    auto hash = fromBase64(parts[3]);
    if (!salt || salt->size() < PasswordSaltSize || salt->size() > 64 || !hash
        || hash->size() != PasswordHashSize)
        return std::nullopt;
    result.salt = *std::move(salt);
    result.hash = *std::move(hash);
    return result;
}

} // namespace

QString hashPasswordPbkdf2(const QString &password, int iterations)
{
    if (iterations < PasswordMinIterations || iterations > PasswordMaxIterations)
        fail("password iteration count out of range");
    const QByteArray salt = randomBytes(PasswordSaltSize);
    const QByteArray hash =
        pbkdf2Sha256(passwordBytes(password), salt, iterations, PasswordHashSize);
    return PasswordScheme + QLatin1Char('$') + QString::number(iterations) + QLatin1Char('$')
        + base64(salt) + QLatin1Char('$') + base64(hash);
}

namespace {

const QLatin1String Argon2idPrefix("$argon2id$");
static_assert(Argon2OpsLimit == crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
static_assert(Argon2MemLimit == crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);

void ensureSodium()
{
    // sodium_init() is thread-safe and idempotent; once is enough, and a failure is permanent.
    static const int rc = sodium_init();
    if (rc < 0)
        fail("libsodium initialisation");
}

/// The costs of a `$argon2id$v=19$m=<KiB>,t=<passes>,p=1$…` string, nullopt when the parameter
/// part is not in exactly that shape. Read before libsodium sees the string: it would allocate
/// whatever `m` says.
std::optional<std::pair<unsigned long long, std::size_t>> argon2Costs(const QString &encoded)
{
    const QStringList parts = encoded.split(QLatin1Char('$'));
    // "", "argon2id", "v=19", "m=…,t=…,p=1", salt, hash
    if (encoded.size() >= qsizetype(crypto_pwhash_STRBYTES) || parts.size() != 6
        || !parts[0].isEmpty() || parts[1] != QLatin1String("argon2id")
        || parts[2] != QLatin1String("v=19") || parts[4].isEmpty() || parts[5].isEmpty())
        return std::nullopt;
    const QStringList costs = parts[3].split(QLatin1Char(','));
    if (costs.size() != 3 || !costs[0].startsWith(QLatin1String("m="))
        || !costs[1].startsWith(QLatin1String("t=")) || costs[2] != QLatin1String("p=1"))
        return std::nullopt;
    const auto number = [](QStringView digits) -> std::optional<unsigned long long> {
        if (digits.isEmpty() || digits.size() > 10 || digits.front() == u'0')
            return std::nullopt;
        unsigned long long value = 0;
        for (const QChar c : digits) {
            if (c < u'0' || c > u'9')
                return std::nullopt;
            value = value * 10 + (c.unicode() - u'0');
        }
        return value;
    };
    const auto memKiB = number(QStringView(costs[0]).sliced(2));
    const auto passes = number(QStringView(costs[1]).sliced(2));
    if (!memKiB || !passes || *passes > Argon2MaxOpsLimit || *memKiB > Argon2MaxMemLimit / 1024)
        return std::nullopt;
    return std::make_pair(*passes, std::size_t(*memKiB) * 1024);
}

bool verifyArgon2id(const QString &password, const QString &encoded)
{
    if (!argon2Costs(encoded))
        return false;
    ensureSodium();
    const QByteArray str = encoded.toLatin1();
    const QByteArray pwd = passwordBytes(password);
    // Compares the derived hash in constant time (sodium_memcmp); -1 also for a malformed string.
    return crypto_pwhash_str_verify(str.constData(), pwd.constData(),
                                    static_cast<unsigned long long>(pwd.size()))
        == 0;
}

} // namespace

QString hashPassword(const QString &password)
{
    ensureSodium();
    const QByteArray pwd = passwordBytes(password);
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, pwd.constData(), static_cast<unsigned long long>(pwd.size()),
                              Argon2OpsLimit, Argon2MemLimit, crypto_pwhash_ALG_ARGON2ID13)
        != 0)
        fail("Argon2id (out of memory?)");
    return QString::fromLatin1(out);
}

bool verifyPassword(const QString &password, const QString &encoded)
{
    if (encoded.startsWith(Argon2idPrefix))
        return verifyArgon2id(password, encoded);
    const auto parsed = parsePasswordHash(encoded);
    if (!parsed)
        return false;
    const QByteArray candidate =
        pbkdf2Sha256(passwordBytes(password), parsed->salt, parsed->iterations, PasswordHashSize);
    return constantTimeEquals(candidate, parsed->hash);
}

bool passwordNeedsRehash(const QString &encoded)
{
    if (encoded.startsWith(Argon2idPrefix)) {
        if (!argon2Costs(encoded))
            return false;
        ensureSodium();
        return crypto_pwhash_str_needs_rehash(encoded.toLatin1().constData(), Argon2OpsLimit,
                                              Argon2MemLimit)
            == 1;
    }
    return parsePasswordHash(encoded).has_value();
}

} // namespace pomelo::crypto
