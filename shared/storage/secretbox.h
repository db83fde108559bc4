#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace pomelo {

/// Seals secrets that the database must hold but must be able to give back (an app's HMAC key:
/// the platform signs and verifies with it, so a hash would not do). AES-256-GCM with a 32-byte
/// key that lives in a file of the data dir, not in the database: a dump or a backup of the
/// database alone does not reveal any secret. Every instance that shares a database needs the
/// same key file (copy it, or point `loadOrCreate` at a shared path).
///
/// Sealed form: "v1:" + base64(12-byte random nonce | ciphertext | 16-byte tag); the caller's
/// context (e.g. the app id) is the associated data, so a sealed value copied to another row does
/// not open.
class SecretBox
{
public:
    static constexpr int KeySize = 32;

    /// Throws Error(Internal) unless @p key has KeySize bytes.
    explicit SecretBox(const QByteArray &key);

    /// The key of @p path (base64 text), created first if missing: random, mode 0600, published
    /// atomically so two instances starting at once end up with the same key. Throws
    /// Error(Internal) on I/O errors or a file that holds no valid key.
    static SecretBox loadOrCreate(const QString &path);

    QString seal(const QByteArray &plaintext, const QByteArray &context) const;
    /// nullopt when @p sealed is malformed, was sealed with another key or another context.
    std::optional<QByteArray> open(const QString &sealed, const QByteArray &context) const;

private:
    QByteArray m_key;
};

/// Writes @p data to @p path so that only the owner can ever read it (mode 0600 from creation,
/// a temporary file renamed over @p path). Throws Error(Internal).
void writePrivateFile(const QString &path, const QByteArray &data);

} // namespace pomelo
