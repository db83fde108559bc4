#include "secretbox.h"

#include "domain/crypto.h"
#include "domain/errors.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pomelo {

namespace {

constexpr int NonceSize = 12;
const QString Prefix = QStringLiteral("v1:");

QString temporaryNameFor(const QString &path)
{
    return path + QStringLiteral(".tmp-") + QString::number(::getpid()) + u'-'
        + crypto::randomToken(6);
}

// Creates @p path with mode 0600 and writes @p data; false with errno set if the file exists.
bool createPrivate(const QString &path, const QByteArray &data)
{
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    qsizetype written = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + written, size_t(data.size() - written));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int saved = errno;
            ::close(fd);
            ::unlink(name.constData());
            errno = saved;
            return false;
        }
        written += n;
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int saved = errno;
        ::unlink(name.constData());
        errno = saved;
        return false;
    }
    return true;
}

[[noreturn]] void ioError(const QString &what, const QString &path)
{
    throw Error(ErrorCode::Internal,
                what + u' ' + path + QStringLiteral(": ")
                    + QString::fromLocal8Bit(std::strerror(errno)));
}

} // namespace

SecretBox::SecretBox(const QByteArray &key)
    : m_key(key)
{
    if (m_key.size() != KeySize)
        throw Error(ErrorCode::Internal, QStringLiteral("a secret key must have 32 bytes"));
}

SecretBox SecretBox::loadOrCreate(const QString &path)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    if (!QFileInfo::exists(path)) {
        const QByteArray text = crypto::randomBytes(KeySize).toBase64() + '\n';
        const QString tmp = temporaryNameFor(path);
        if (!createPrivate(tmp, text))
            ioError(QStringLiteral("cannot write"), tmp);
        // link() publishes the complete file, and fails if another instance was first: then its
        // key is the one everybody uses.
        const int linked =
            ::link(QFile::encodeName(tmp).constData(), QFile::encodeName(path).constData());
        const int saved = errno;
        ::unlink(QFile::encodeName(tmp).constData());
        if (linked != 0 && saved != EEXIST) {
            errno = saved;
            ioError(QStringLiteral("cannot create"), path);
        }
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw Error(ErrorCode::Internal, QStringLiteral("cannot read the secret key file ") + path);
    const auto key = QByteArray::fromBase64Encoding(file.readAll().trimmed(),
                                                    QByteArray::AbortOnBase64DecodingErrors);
    if (!key || key.decoded.size() != KeySize)
        throw Error(ErrorCode::Internal,
                    QStringLiteral("the secret key file holds no 32-byte base64 key: ") + path);
    return SecretBox(key.decoded);
}

QString SecretBox::seal(const QByteArray &plaintext, const QByteArray &context) const
{
    const QByteArray nonce = crypto::randomBytes(NonceSize);
    const QByteArray sealed = crypto::aes256GcmEncrypt(m_key, nonce, plaintext, context);
    return Prefix + QString::fromLatin1(QByteArray(nonce + sealed).toBase64());
}

std::optional<QByteArray> SecretBox::open(const QString &sealed, const QByteArray &context) const
{
    if (!sealed.startsWith(Prefix))
        return std::nullopt;
    const auto raw = QByteArray::fromBase64Encoding(sealed.mid(Prefix.size()).toLatin1(),
                                                    QByteArray::AbortOnBase64DecodingErrors);
    if (!raw || raw.decoded.size() < NonceSize + crypto::AesGcmTagSize)
        return std::nullopt;
    return crypto::aes256GcmDecrypt(m_key, raw.decoded.left(NonceSize), raw.decoded.mid(NonceSize),
                                    context);
}

void writePrivateFile(const QString &path, const QByteArray &data)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    const QString tmp = temporaryNameFor(path);
    if (!createPrivate(tmp, data))
        ioError(QStringLiteral("cannot write"), tmp);
    if (::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(path).constData()) != 0) {
        const int saved = errno;
        ::unlink(QFile::encodeName(tmp).constData());
        errno = saved;
        ioError(QStringLiteral("cannot rename into"), path);
    }
}

} // namespace pomelo
