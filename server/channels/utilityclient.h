#pragma once

#include "domain/errors.h"

#include <QByteArray>
#include <QDate>
#include <QDateTime>
#include <QJsonObject>
#include <QLatin1String>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace pomelo {

class Config;

enum class Utility { Electricity, Water };
QString utilityName(Utility u); ///< "ELECTRICITY", "WATER"
std::optional<Utility> utilityFromName(const QString &name);

struct UtilityClientOptions
{
    QUrl baseUrl; ///< e.g. http://127.0.0.1:8080/sandbox/utility; the paths /rooms/query etc.
                  ///< follow it
    QString partnerId;
    QByteArray partnerKey; ///< HMAC key: a secret, never logged
    int timeoutMs = 5000; ///< budget of one call, retries included
    int maxAttempts = 2; ///< after transport errors, HTTP 5xx, retcode 9999/1002

    /// `utility.base_url` (empty: `<server.public_base_url>/sandbox/utility`),
    /// `utility.partner_id`, `utility.partner_key`.
    static UtilityClientOptions fromConfig(const Config &config);
};

/// A dorm room as the utility system names it: `roomId` is its key, building + room what people
/// read.
struct UtilityRoom
{
    QString roomId;
    QString building;
    QString room; ///< the room number, "101"
};

struct UtilityBalance
{
    QString roomId;
    qint64 electricity = 0; ///< fen; may be negative
    qint64 water = 0; ///< fen; may be negative (water is never switched off)
    bool powerOn = true;
    QDateTime updatedAt; ///< UTC
};

/// Fen used on one day (the utility system's day, Beijing time) of one utility.
struct UtilityUsageDay
{
    QDate day;
    Utility utility = Utility::Electricity;
    qint64 amount = 0;
};

struct UtilityRechargeRequest
{
    QString roomId;
    Utility utility = Utility::Electricity;
    qint64 amount = 0; ///< fen, 1..10000000
    QString serial; ///< the partner's id of the recharge (the top-up id): the idempotency key
};

/// A credited recharge: the answer of recharge and of a CREDITED recharge query.
struct UtilityRecharge
{
    QString serial;
    QString roomId;
    Utility utility = Utility::Electricity;
    qint64 amount = 0;
    qint64 balanceAfter = 0; ///< the utility's balance right after this credit
    bool powerOn = true;
    QDateTime creditedAt; ///< UTC
};

/// A signed, well-formed answer with a retcode other than 0000 (also 9999 or 1002 when the last
/// attempt of a call got it: the system answered, so the request did nothing there). code() is
/// UtilityUnavailable (3002), except 2001 → TopupRoomNotFound (1101).
class UtilityRefusal : public Error
{
public:
    UtilityRefusal(QString retcode, QString retmsg, const QString &detail);
    const QString &retcode() const noexcept { return m_retcode; }
    const QString &retmsg() const noexcept { return m_retmsg; }
    /// 2001..2004: refused for good (room not found, closed, frozen, amount invalid); retrying
    /// cannot help.
    bool isPermanent() const noexcept;

private:
    QString m_retcode;
    QString m_retmsg;
};

/// The campus utility system's client (docs/utility-protocol.md). Blocking: call it from worker
/// threads, never from the server's thread. Stateless and thread-safe.
///
/// Every call signs its request with a fresh timestamp and nonce, logs the request and the answer
/// (lcChannels, without `sign`; the key is never in a message) and verifies the answer: its
/// signature, partner id, timestamp window, a nonce not seen before within the window (in this
/// process), and that it is about the room or serial asked for. Transport errors, timeouts, HTTP
/// errors and forged, unsigned or malformed answers throw Error(UtilityUnavailable); a call never
/// takes longer than timeoutMs (plus HttpClient's 250 ms guard). Calls are retried within the
/// budget after a refused connection, HTTP 5xx, retcode 9999 and 1002: every call of the protocol
/// is safe to repeat (a recharge is idempotent by serial).
class UtilityClient
{
public:
    explicit UtilityClient(UtilityClientOptions options);

    /// The rooms of @p building (all when empty), in the utility system's order.
    QList<UtilityRoom> rooms(const QString &building = {}) const;
    /// The distinct buildings of rooms(), in order.
    QStringList buildings() const;
    /// nullopt when the room does not exist (2001).
    std::optional<UtilityBalance> balance(const QString &roomId) const;
    /// Usage per day and utility between @p from and @p to (at most 31 days apart).
    QList<UtilityUsageDay> usage(const QString &roomId, const QDateTime &from,
                                 const QDateTime &to) const;
    /// Credits the room. The same request again (same serial and fields) answers the first
    /// recharge again and credits nothing. UtilityRefusal on a retcode other than 0000 (3003: the
    /// serial was used with other fields).
    UtilityRecharge recharge(const UtilityRechargeRequest &request) const;
    /// The recharge of @p serial if the utility system credited it; nullopt: NOT_FOUND.
    std::optional<UtilityRecharge> queryRecharge(const QString &serial) const;

    const UtilityClientOptions &options() const { return m_options; }

private:
    /// The verified answer (retcode 0000) of @p path; @p roomId / @p serial, when given, must be
    /// echoed by it.
    QJsonObject call(QLatin1String path, const QJsonObject &fields, const QString &roomId = {},
                     const QString &serial = {}) const;
    QUrl endpoint(QLatin1String path) const;

    UtilityClientOptions m_options;
};

} // namespace pomelo
