#include "rediskeys.h"

#include <QDate>
#include <QTime>

namespace pomelo {

namespace {

const QByteArray lockChannelStem = QByteArrayLiteral("pomelo:lock-channel:");

QByteArray globEscaped(const QByteArray &text)
{
    QByteArray out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
            out.append('\\');
        out.append(c);
    }
    return out;
}

} // namespace

RedisKeys::RedisKeys(QByteArray prefix)
    : m_prefix(std::move(prefix))
{ }

QByteArray RedisKeys::venueBookingLock(const QString &venueId, const QString &date,
                                       const QString &start, const QString &end) const
{
    return m_prefix + "venue_booking:" + venueId.toUtf8() + ':' + date.toUtf8() + ':'
        + start.toUtf8() + '-' + end.toUtf8();
}

QByteArray RedisKeys::venueBookingLock(qint64 venueId, const QDate &date, const QTime &start,
                                       const QTime &end) const
{
    return venueBookingLock(QString::number(venueId), date.toString(Qt::ISODate),
                            start.toString(QStringLiteral("HH:mm")),
                            end.toString(QStringLiteral("HH:mm")));
}

QByteArray RedisKeys::payingLock(qint64 orderId) const
{
    return m_prefix + "paying:" + QByteArray::number(orderId);
}

QByteArray RedisKeys::payingLock(const QString &orderId) const
{
    return m_prefix + "paying:" + orderId.toUtf8();
}

QByteArray RedisKeys::nonce(const QString &appId, const QString &nonceValue) const
{
    return m_prefix + "pomelo:nonce:" + appId.toUtf8() + ':' + nonceValue.toUtf8();
}

QByteArray RedisKeys::inbox(const QString &openId) const
{
    return m_prefix + "pomelo:inbox:" + openId.toUtf8();
}

QByteArray RedisKeys::lockChannel(const QByteArray &lockKey) const
{
    const QByteArray name = !m_prefix.isEmpty() && lockKey.startsWith(m_prefix)
        ? lockKey.mid(m_prefix.size())
        : lockKey;
    return m_prefix + lockChannelStem + name;
}

QByteArray RedisKeys::lockChannelPattern() const
{
    return globEscaped(m_prefix + lockChannelStem) + '*';
}

} // namespace pomelo
