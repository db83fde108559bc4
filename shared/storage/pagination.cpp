#include "pagination.h"

#include <QByteArray>

namespace pomelo {

QString PageCursor::toToken() const
{
    const QByteArray raw = QByteArray::number(key) + ':' + QByteArray::number(id);
    return QString::fromLatin1(
        raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<PageCursor> PageCursor::fromToken(QStringView token)
{
    if (token.isEmpty() || token.size() > 64)
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(
        token.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QList<QByteArray> parts = decoded.decoded.split(':');
    if (parts.size() != 2)
        return std::nullopt;
    bool okKey = false;
    bool okId = false;
    PageCursor cursor {parts.at(0).toLongLong(&okKey), parts.at(1).toLongLong(&okId)};
    if (!okKey || !okId)
        return std::nullopt;
    return cursor;
}

} // namespace pomelo
