#pragma once

#include "database.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace pomelo {

/// A callback of a payment channel (WeChat Pay notification, e-card callback), kept once.
struct ChannelCallback
{
    qint64 id = 0;
    QString channel; ///< "WECHAT", "ECARD", …
    QString notifyId; ///< the channel's id of the notification (WeChat `id`)
    std::optional<qint64> orderId; ///< none if the order is unknown
    QString eventType; ///< TRANSACTION.SUCCESS, REFUND.SUCCESS, …
    QByteArray payload; ///< the decrypted content (no keys, no signatures)
    QString outcome; ///< what was done: APPLIED, IGNORED, LATE_SUCCESS_REFUND, …
    qint64 receivedAt = 0; ///< Unix ms; 0 = now on record
};

class CallbackRepository
{
public:
    explicit CallbackRepository(Database &db)
        : m_db(db)
    { }

    /// Records @p callback in @p tx. false when (channel, notifyId) was recorded before: a
    /// repeat — do nothing else (concurrent repeats wait for the first and then get false).
    /// Sets callback.id when recorded.
    bool record(Transaction &tx, ChannelCallback &callback);
    bool setOutcome(Transaction &tx, qint64 id, const QString &outcome);
    std::optional<ChannelCallback> find(const QString &channel, const QString &notifyId) const;
    /// The callbacks of an order, oldest first (the console's order detail).
    QList<ChannelCallback> ofOrder(qint64 orderId) const;

private:
    Database &m_db;
};

} // namespace pomelo
