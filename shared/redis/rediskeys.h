#pragma once

#include <QByteArray>
#include <QString>

class QDate;
class QTime;

namespace pomelo {

/// Builds every Redis key of API.md, each with the configured prefix (`redis.key_prefix`,
/// default none), so that key names are spelled in one place. Group names are not keys and carry
/// no prefix.
class RedisKeys
{
public:
    explicit RedisKeys(QByteArray prefix = {});

    const QByteArray &prefix() const { return m_prefix; }
    /// @p name with the prefix.
    QByteArray key(const QByteArray &name) const { return m_prefix + name; }

    /// `venue_booking:{venueId}:{date}:{start}-{end}`; date `YYYY-MM-DD`, times `HH:MM`.
    QByteArray venueBookingLock(const QString &venueId, const QString &date, const QString &start,
                                const QString &end) const;
    QByteArray venueBookingLock(qint64 venueId, const QDate &date, const QTime &start,
                                const QTime &end) const;
    /// `paying:{orderId}`.
    QByteArray payingLock(qint64 orderId) const;
    QByteArray payingLock(const QString &orderId) const;

    /// `pomelo:order-events`, read by the groups below.
    QByteArray orderEventsStream() const { return key("pomelo:order-events"); }
    static QByteArray statusTrackerGroup() { return QByteArrayLiteral("status-tracker"); }
    static QByteArray pushNotifierGroup() { return QByteArrayLiteral("push-notifier"); }

    /// `pomelo:delay:order-timeout`: sorted set scored by due time (ms, Redis `TIME`).
    QByteArray orderTimeoutQueue() const { return key("pomelo:delay:order-timeout"); }
    /// `pomelo:delay:booking-expiry`: bookings never signed.
    QByteArray bookingExpiryQueue() const { return key("pomelo:delay:booking-expiry"); }
    /// Top-up steps (delivery, its retries, refunds) and expiries: `pomelo:delay:topup-delivery`.
    QByteArray topupDeliveryQueue() const { return key("pomelo:delay:topup-delivery"); }
    /// `pomelo:topup:low:{roomId}:{utility}`: set while a room is under the low-balance threshold
    /// and its students were told (one reminder per crossing).
    QByteArray topupLowBalance(const QString &roomId, const QString &utility) const
    {
        return key("pomelo:topup:low:" + roomId.toUtf8() + ":" + utility.toUtf8());
    }

    /// `pomelo:nonce:{appId}:{nonce}`: the replay guard's keys (code 2004).
    QByteArray nonce(const QString &appId, const QString &nonce) const;

    /// `pomelo:inbox:{openId}`: list of a user's messages (JSON), newest first, bounded.
    QByteArray inbox(const QString &openId) const;

    /// The channel an unlock of @p lockKey (a full key, prefix included) is published on:
    /// `{prefix}pomelo:lock-channel:{lockKey without prefix}`.
    QByteArray lockChannel(const QByteArray &lockKey) const;
    /// The PSUBSCRIBE pattern matching every lockChannel() of this prefix.
    QByteArray lockChannelPattern() const;
    /// `{lockKey}:fence`: the counter behind the fencing tokens of a lock.
    static QByteArray lockFence(const QByteArray &lockKey) { return lockKey + ":fence"; }
    /// `{lockKey}:waiters`: set (with an expiry) while someone waits for the lock, so that only a
    /// release somebody waits for is published.
    static QByteArray lockWaiters(const QByteArray &lockKey) { return lockKey + ":waiters"; }

private:
    QByteArray m_prefix;
};

} // namespace pomelo
