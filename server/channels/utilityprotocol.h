#pragma once

#include "channels/ecardprotocol.h"

#include <QDate>
#include <QDateTime>
#include <QHash>
#include <QLatin1String>
#include <QString>

#include <deque>
#include <mutex>
#include <utility>

/// The campus utility system's (水电管理系统) protocol, docs/utility-protocol.md: its paths,
/// field names and return codes. The envelope and the signature are the e-card protocol's (sign,
/// verify, stamp and read fields with pomelo::ecard); shared by the client (UtilityClient) and the
/// simulator (UtilitySandbox) so both sides speak the same names.
namespace pomelo::utility {

inline constexpr int TimestampWindowSeconds = ecard::TimestampWindowSeconds;
inline constexpr qint64 MinRechargeAmount = 1; ///< fen
inline constexpr qint64 MaxRechargeAmount = 10'000'000; ///< fen: 100,000 yuan
/// The longest span of a usage query (to − from), in seconds.
inline constexpr qint64 MaxUsageSpanSeconds = 31 * 24 * 3600;
/// The utility system's clock for usage days: Beijing time, where the campus is.
inline constexpr int DayOffsetSeconds = 8 * 3600;

namespace field {
using ecard::field::nonceStr;
using ecard::field::partnerId;
using ecard::field::retcode;
using ecard::field::retmsg;
using ecard::field::sign;
using ecard::field::timestamp;
inline constexpr QLatin1String building("building");
inline constexpr QLatin1String rooms("rooms");
inline constexpr QLatin1String roomId("room_id");
inline constexpr QLatin1String room("room");
inline constexpr QLatin1String electricityBalance("electricity_balance");
inline constexpr QLatin1String waterBalance("water_balance");
inline constexpr QLatin1String powerOn("power_on");
inline constexpr QLatin1String updatedAt("updated_at");
inline constexpr QLatin1String from("from");
inline constexpr QLatin1String to("to");
inline constexpr QLatin1String usage("usage");
inline constexpr QLatin1String day("day");
inline constexpr QLatin1String utility("utility");
inline constexpr QLatin1String amount("amount");
inline constexpr QLatin1String serial("serial");
inline constexpr QLatin1String balanceAfter("balance_after");
inline constexpr QLatin1String creditedAt("credited_at");
inline constexpr QLatin1String rechargeStatus("recharge_status");
} // namespace field

// ---- Endpoints, relative to the base URL --------------------------------------------------------
namespace path {
inline constexpr QLatin1String roomsQuery("/rooms/query");
inline constexpr QLatin1String balanceQuery("/balance/query");
inline constexpr QLatin1String usageQuery("/usage/query");
inline constexpr QLatin1String recharge("/recharge");
inline constexpr QLatin1String rechargeQuery("/recharge/query");
} // namespace path

// ---- Return codes (`retcode`) -------------------------------------------------------------------
namespace retcode {
inline constexpr QLatin1String success("0000");
inline constexpr QLatin1String invalidParameter("1000");
inline constexpr QLatin1String signError("1001");
/// Timestamp out of the window, or a nonce seen within it: retry with a fresh envelope.
inline constexpr QLatin1String timestampExpired("1002");
inline constexpr QLatin1String roomNotFound("2001");
inline constexpr QLatin1String roomClosed("2002");
inline constexpr QLatin1String accountFrozen("2003");
inline constexpr QLatin1String amountInvalid("2004");
inline constexpr QLatin1String serialReused("3003");
inline constexpr QLatin1String systemBusy("9999");
} // namespace retcode

/// Values of `utility`.
inline constexpr QLatin1String Electricity("ELECTRICITY");
inline constexpr QLatin1String Water("WATER");
/// Values of `recharge_status`.
inline constexpr QLatin1String Credited("CREDITED");
inline constexpr QLatin1String NotFound("NOT_FOUND");

/// The utility system's (Chinese) message of @p code; "未知错误" for a code not in the table.
QString retmsgOf(const QString &code);
/// The retcode the utility system answers for @p verdict: a malformed envelope 1000, a wrong
/// partner or signature 1001, a timestamp outside the window 1002 ("0000" for Ok).
QLatin1String verdictRetcode(ecard::Verdict verdict);

/// `[A-Za-z0-9-]{1,32}`.
bool isValidRoomId(const QString &roomId);
/// `[A-Za-z0-9_-]{1,64}`: the partner's id of a recharge (a top-up id).
bool isValidSerial(const QString &serial);

/// A usage day as the protocol writes it ("yyyy-MM-dd").
QString dayText(QDate day);
/// The utility system's day (Beijing time) of the instant @p unixSeconds.
QDate dayOf(qint64 unixSeconds);

/// The nonces a receiver has seen within the timestamp window: a message whose nonce is seen
/// again is a replay. Thread-safe. A nonce is kept for twice the window, so that a replay later
/// than that already fails on its timestamp.
class NonceWindow
{
public:
    explicit NonceWindow(int windowSeconds = TimestampWindowSeconds)
        : m_keepSeconds(2 * qint64(windowSeconds))
    { }
    /// true the first time @p nonce is seen, false for a replay.
    bool claim(const QString &nonce, qint64 nowSeconds);

private:
    const qint64 m_keepSeconds;
    std::mutex m_mutex;
    QHash<QString, qint64> m_seen;
    std::deque<std::pair<qint64, QString>> m_queue;
};

} // namespace pomelo::utility
