#include "errors.h"

#include <QList>

#include <algorithm>
#include <utility>

namespace pomelo {

namespace {

// One table, in code order: the HTTP statuses are those of API.md. The Chinese messages are what a
// student reads in the mini-program, so they say what to do next rather than what went wrong
// inside.
const QList<ErrorInfo> &catalog()
{
    static const QList<ErrorInfo> entries = {
        {ErrorCode::VenueSlotBusy, 429, u"当前场地预订繁忙，请稍后重试",
         u"The venue is busy right now, please try again later"},
        {ErrorCode::SlotAlreadyBooked, 409, u"该场地在所选时间段已被预订",
         u"This venue is already booked for the selected time"},
        {ErrorCode::InvalidBookingInput, 400, u"预订信息有误，请检查场地、日期和时间段",
         u"Invalid booking: please check the venue, date and time"},
        {ErrorCode::BookingNotFound, 404, u"预订记录不存在", u"Booking not found"},
        {ErrorCode::BookingOfAnotherUser, 403, u"无权操作他人的预订",
         u"This booking belongs to another user"},
        {ErrorCode::BookingStateConflict, 409, u"当前预订状态不允许此操作",
         u"This action is not allowed in the booking's current state"},
        {ErrorCode::InvalidProfile, 400, u"个人信息格式错误（学号、姓名或手机号）",
         u"Invalid profile (student id, name or phone)"},
        {ErrorCode::WechatLoginCodeInvalid, 401, u"微信登录凭证无效或已使用，请重新登录",
         u"The WeChat login code is invalid or already used, please log in again"},
        {ErrorCode::WechatLoginRateLimited, 429, u"微信登录过于频繁，请稍后重试",
         u"Too many WeChat logins right now, please try again later"},
        {ErrorCode::WechatBusy, 503, u"微信系统繁忙，请稍后重试",
         u"WeChat is busy, please try again"},
        {ErrorCode::BookingDayNotOpen, 400, u"该日期尚未开放预订",
         u"Booking for this day has not opened yet", u"该日期尚未开放预订，将于 %1 开放",
         u"Booking for this day opens at %1"},
        {ErrorCode::DailyBookingLimit, 409, u"您当天的预订已达上限",
         u"You have reached the most bookings allowed on one day",
         u"您当天的预订已达上限（每天最多 %1 个）",
         u"You have reached the most bookings allowed on one day (%1)"},
        {ErrorCode::WeeklyBookingLimit, 409, u"您本周的预订已达上限",
         u"You have reached the most bookings allowed in one week",
         u"您本周的预订已达上限（每周最多 %1 个）",
         u"You have reached the most bookings allowed in one week (%1)"},
        {ErrorCode::VenueClosed, 409, u"该场地在所选时间段暂停开放",
         u"The venue is closed at the selected time", u"该场地在所选时间段暂停开放：%1",
         u"The venue is closed at the selected time: %1"},
        {ErrorCode::VenueInactive, 409, u"该场地暂停使用，请选择其他场地",
         u"This venue is out of service, please choose another one"},
        {ErrorCode::RefundCutoffPassed, 409, u"已超过退款截止时间，无法取消预订",
         u"Too close to the start: this booking can no longer be cancelled with a refund",
         u"已超过退款截止时间（开场前 %1 分钟），无法取消预订",
         u"Too close to the start: cancelling with a refund ends %1 minutes before it starts"},
        {ErrorCode::TopupRoomNotFound, 404, u"房间不存在，请检查楼栋和房间号",
         u"Room not found: please check the building and the room number"},
        {ErrorCode::TopupRoomNotBound, 409, u"请先绑定宿舍房间", u"Bind your dorm room first"},
        {ErrorCode::TopupAmountOutOfRange, 400, u"充值金额超出允许范围",
         u"The top-up amount is outside the allowed range", u"充值金额须在 %1 元至 %2 元之间",
         u"The top-up amount must be between %1 and %2 yuan"},
        {ErrorCode::TopupNotFound, 404, u"充值记录不存在", u"Top-up not found"},
        {ErrorCode::TopupOfAnotherUser, 403, u"无权操作他人的充值记录",
         u"This top-up belongs to another user"},
        {ErrorCode::TopupStateConflict, 409, u"当前充值状态不允许此操作",
         u"This action is not allowed in the top-up's current state"},
        {ErrorCode::InvalidAmount, 400, u"订单金额格式错误，请检查",
         u"Invalid amount: it must be a whole number of cents"},
        {ErrorCode::UnknownApp, 400, u"第三方服务暂不可用，请联系管理员",
         u"Unknown app: the third-party service is unavailable"},
        {ErrorCode::InvalidSignature, 401, u"签名校验失败", u"Invalid signature"},
        {ErrorCode::RequestExpiredOrReplayed, 401, u"请求已过期或重复提交，请重新发起",
         u"The request has expired or was already used, please send it again"},
        {ErrorCode::OrderNotFound, 404, u"订单不存在", u"Order not found"},
        {ErrorCode::DuplicatePayment, 409, u"请勿重复支付",
         u"Duplicate payment: this order is already being paid"},
        {ErrorCode::OrderFinished, 409, u"当前订单已结束", u"This order is already finished"},
        {ErrorCode::UnsupportedChannel, 400, u"不支持该支付方式", u"Unsupported payment channel"},
        {ErrorCode::OutTradeNoReused, 409, u"商户订单号已被使用，且订单信息不一致",
         u"This outTradeNo was already used with different parameters"},
        {ErrorCode::InvalidOrderField, 400, u"订单信息有误，请检查",
         u"Invalid order: please check the order fields"},
        {ErrorCode::ChannelError, 502, u"支付渠道异常，请稍后重试",
         u"The payment channel failed, please try again later"},
        {ErrorCode::UtilityUnavailable, 502, u"水电系统暂不可用，请稍后重试",
         u"The campus utility system is unavailable, please try again later"},
        {ErrorCode::MalformedJson, 400, u"请求格式错误", u"Malformed request body"},
        {ErrorCode::InvalidParameter, 400, u"请求参数有误，请检查",
         u"Invalid or missing parameter"},
        {ErrorCode::Unauthorized, 401, u"登录已失效，请重新登录",
         u"Not signed in or the session has expired, please sign in again"},
        {ErrorCode::Forbidden, 403, u"当前账号无权执行此操作",
         u"Your role does not allow this action"},
        {ErrorCode::NotFound, 404, u"请求的资源不存在", u"Not found"},
        {ErrorCode::MethodNotAllowed, 405, u"不支持的请求方法", u"Method not allowed"},
        {ErrorCode::StateConflict, 409, u"当前状态不允许此操作",
         u"This action is not allowed in the current state"},
        {ErrorCode::PayloadTooLarge, 413, u"请求内容过大", u"Request body too large"},
        {ErrorCode::TooManyAttempts, 429, u"登录失败次数过多，请稍后再试",
         u"Too many failed attempts, please try again later"},
        {ErrorCode::Internal, 500, u"系统内部错误", u"Internal error"},
        {ErrorCode::FeatureDisabled, 501, u"该功能在此服务实例上未启用",
         u"This function is not enabled on this server"},
        {ErrorCode::DependencyUnavailable, 503, u"服务暂不可用，请稍后重试",
         u"Service temporarily unavailable, please try again later"},
    };
    return entries;
}

const ErrorInfo *findEntry(int code)
{
    const QList<ErrorInfo> &entries = catalog();
    const auto it = std::lower_bound(
        entries.cbegin(), entries.cend(), code,
        [](const ErrorInfo &entry, int value) { return static_cast<int>(entry.code) < value; });
    if (it == entries.cend() || static_cast<int>(it->code) != code)
        return nullptr;
    return &*it;
}

// One entry of an Accept-Language header, RFC 9110 §12.5.4: `tag[;q=weight]`.
struct LanguageRange
{
    QStringView tag;
    int weight = 1000; // q in thousandths, so that comparisons are exact
};

// Parses a qvalue ("0", "0.5", "1", "1.000"). Returns -1 when it is not one.
int parseQValue(QStringView text)
{
    if (text.isEmpty() || text.size() > 5)
        return -1;
    const QChar first = text.front();
    if (first != u'0' && first != u'1')
        return -1;
    int thousandths = first == u'1' ? 1000 : 0;
    if (text.size() == 1)
        return thousandths;
    if (text.at(1) != u'.')
        return -1;
    int scale = 100;
    for (qsizetype i = 2; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c < u'0' || c > u'9')
            return -1;
        thousandths += (c.unicode() - u'0') * scale;
        scale /= 10;
    }
    return thousandths <= 1000 ? thousandths : -1;
}

std::optional<LanguageRange> parseRange(QStringView item)
{
    const QList<QStringView> parts = item.split(u';');
    LanguageRange range;
    range.tag = parts.front().trimmed();
    if (range.tag.isEmpty())
        return std::nullopt;
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QStringView param = parts.at(i).trimmed();
        const qsizetype eq = param.indexOf(u'=');
        if (eq < 0)
            return std::nullopt;
        if (param.left(eq).trimmed().compare(u"q", Qt::CaseInsensitive) != 0)
            continue; // other parameters are not defined for Accept-Language; ignore them
        range.weight = parseQValue(param.mid(eq + 1).trimmed());
        if (range.weight < 0)
            return std::nullopt; // a malformed entry is ignored rather than guessed at
    }
    return range;
}

// The primary subtag: "en" of "en-US" (and of the non-standard "en_US" some clients send).
QStringView primarySubtag(QStringView tag)
{
    const qsizetype end = [&] {
        for (qsizetype i = 0; i < tag.size(); ++i) {
            if (tag.at(i) == u'-' || tag.at(i) == u'_')
                return i;
        }
        return tag.size();
    }();
    return tag.left(end);
}

} // namespace

const QList<ErrorInfo> &errorCatalog()
{
    return catalog();
}

const ErrorInfo &errorInfo(ErrorCode code)
{
    // A value outside the enumeration (a cast from a bad int) must still produce a safe answer for
    // the error envelope: it is treated as an internal error.
    if (const ErrorInfo *entry = findEntry(static_cast<int>(code)))
        return *entry;
    return *findEntry(static_cast<int>(ErrorCode::Internal));
}

std::optional<ErrorCode> errorCodeFromInt(int code)
{
    if (const ErrorInfo *entry = findEntry(code))
        return entry->code;
    return std::nullopt;
}

int httpStatus(ErrorCode code)
{
    return errorInfo(code).httpStatus;
}

QString errorMessage(ErrorCode code, Language language)
{
    const ErrorInfo &entry = errorInfo(code);
    return QString::fromUtf16(language == Language::English ? entry.messageEn : entry.messageZh);
}

QString errorMessage(ErrorCode code, Language language, const QStringList &args)
{
    const ErrorInfo &entry = errorInfo(code);
    const char16_t *detailed = language == Language::English ? entry.detailedEn : entry.detailedZh;
    if (args.isEmpty() || !detailed)
        return errorMessage(code, language);
    QString text = QString::fromUtf16(detailed);
    for (const QString &a : args)
        text = text.arg(a);
    return text;
}

Language languageFromAcceptLanguage(const QString &acceptLanguage)
{
    // Only the languages we have (zh, en) and the wildcard compete; the best weight wins and a tie
    // goes to the earlier entry. "fr, en;q=0.5" is English: the reader asked for English over
    // anything unlisted. "*" stands for any language, so it selects the default, Chinese.
    std::optional<LanguageRange> best;
    bool bestIsEnglish = false;
    for (const QStringView item : QStringView(acceptLanguage).split(u',')) {
        const std::optional<LanguageRange> range = parseRange(item);
        if (!range || range->weight == 0)
            continue;
        const QStringView primary = primarySubtag(range->tag);
        const bool english = primary.compare(u"en", Qt::CaseInsensitive) == 0;
        const bool chinese = primary.compare(u"zh", Qt::CaseInsensitive) == 0;
        if (!english && !chinese && range->tag != u"*")
            continue;
        if (!best || range->weight > best->weight) {
            best = range;
            bestIsEnglish = english;
        }
    }
    return bestIsEnglish ? Language::English : Language::Chinese;
}

Error::Error(ErrorCode code, QString detail)
    : m_code(code)
    , m_detail(std::move(detail))
{
    m_what = QByteArray::number(static_cast<int>(m_code));
    if (!m_detail.isEmpty())
        m_what += QByteArrayLiteral(": ") + m_detail.toUtf8();
}

Error::Error(ErrorCode code, QString detail, QStringList messageArgs)
    : Error(code, std::move(detail))
{
    m_messageArgs = std::move(messageArgs);
}

const char *Error::what() const noexcept
{
    return m_what.constData();
}

} // namespace pomelo
