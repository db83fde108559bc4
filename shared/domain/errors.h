#pragma once

#include <QString>
#include <QStringList>

#include <exception>
#include <optional>

namespace pomelo {

/// The error codes of API.md. The numeric value is the `code` field of the error envelope.
enum class ErrorCode : int {
    VenueSlotBusy = 1001,
    SlotAlreadyBooked = 1002,
    InvalidBookingInput = 1003,
    BookingNotFound = 1004,
    BookingOfAnotherUser = 1005,
    BookingStateConflict = 1006,
    InvalidProfile = 1007,
    WechatLoginCodeInvalid = 1010, ///< jscode2session 40029/40163: wx.login() again
    WechatLoginRateLimited = 1011, ///< jscode2session 45011: retry after `Retry-After`
    WechatBusy = 1012, ///< jscode2session -1: WeChat is busy, retry
    // Booking rules of the campus and venue closures (1020–1039).
    BookingDayNotOpen = 1020, ///< the day at the edge of the window opens at booking.open_time
    DailyBookingLimit = 1021, ///< booking.max_per_day active bookings on that day already
    WeeklyBookingLimit = 1022, ///< booking.max_per_week active bookings in that ISO week already
    VenueClosed = 1023, ///< a closure of the venue covers the range
    VenueInactive = 1024, ///< the venue is taken out of service (active = false)
    RefundCutoffPassed = 1025, ///< too close to the start to cancel with a refund
    TopupRoomNotFound = 1101, ///< utility top-up: no such room (building + room number)
    TopupRoomNotBound = 1102, ///< the student has no room bound: bind one first
    TopupAmountOutOfRange = 1103, ///< outside topup's configured minimum and maximum
    TopupNotFound = 1104,
    TopupOfAnotherUser = 1105,
    TopupStateConflict = 1106, ///< the top-up's state does not allow this action
    InvalidAmount = 2001,
    UnknownApp = 2002,
    InvalidSignature = 2003,
    RequestExpiredOrReplayed = 2004,
    OrderNotFound = 2005,
    DuplicatePayment = 2006,
    OrderFinished = 2007,
    UnsupportedChannel = 2008,
    OutTradeNoReused = 2009,
    InvalidOrderField = 2010,
    ChannelError = 3001,
    UtilityUnavailable = 3002, ///< the campus utility system failed or timed out
    MalformedJson = 4000,
    InvalidParameter = 4001, ///< admin API: a missing or malformed field or query parameter
    Unauthorized = 4010,
    Forbidden = 4030, ///< admin API: the console user's role does not allow this
    NotFound = 4040,
    MethodNotAllowed = 4050,
    StateConflict = 4090, ///< admin API: the record is not in a state that allows this action
    PayloadTooLarge = 4130,
    TooManyAttempts = 4290, ///< admin login: too many failures, retry after `Retry-After`
    Internal = 5000,
    FeatureDisabled = 5010, ///< the module that would do this does not run on this instance
    DependencyUnavailable = 5030,
};

enum class Language { Chinese, English };

/// Catalog entry of one code: HTTP status and the user-facing messages.
struct ErrorInfo
{
    ErrorCode code;
    int httpStatus;
    const char16_t *messageZh;
    const char16_t *messageEn;
    /// With the error's message arguments (%1, %2, …), when it has some: e.g. the time a day opens.
    const char16_t *detailedZh = nullptr;
    const char16_t *detailedEn = nullptr;
};

/// Every code of API.md, in code order.
const QList<ErrorInfo> &errorCatalog();
/// The entry of @p code (every enumerator has one).
const ErrorInfo &errorInfo(ErrorCode code);
/// The entry of a numeric code, if it is one of API.md.
std::optional<ErrorCode> errorCodeFromInt(int code);
int httpStatus(ErrorCode code);
QString errorMessage(ErrorCode code, Language language);
/// The detailed message filled with @p args when the code has one and @p args are given, else
/// errorMessage(code, language).
QString errorMessage(ErrorCode code, Language language, const QStringList &args);
/// Chinese unless the header asks for English first ("en", "en-US,en;q=0.9", …).
Language languageFromAcceptLanguage(const QString &acceptLanguage);

/// A typed domain error. `detail` is for logs only (it may name keys or SQL); clients only ever
/// see the catalog message of `code`. Never put a secret into `detail`.
class Error : public std::exception
{
public:
    explicit Error(ErrorCode code, QString detail = {});
    /// With @p messageArgs for the client's message (ErrorInfo::detailedZh): public values only
    /// (a time, a limit), never a secret.
    Error(ErrorCode code, QString detail, QStringList messageArgs);

    ErrorCode code() const noexcept { return m_code; }
    const QString &detail() const noexcept { return m_detail; }
    const QStringList &messageArgs() const noexcept { return m_messageArgs; }
    const char *what() const noexcept override;

private:
    ErrorCode m_code;
    QString m_detail;
    QStringList m_messageArgs;
    QByteArray m_what;
};

} // namespace pomelo
