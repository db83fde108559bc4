#include "sandbox/ecardsandbox.h"

#include "channels/ecardprotocol.h"
#include "config/config.h"
#include "domain/money.h"
#include "http/router.h"
#include "net/httpclient.h"
#include "sandbox/sandboxcommon.h"
#include "sandbox/sandboxnotifier.h"
#include "sandbox/sandboxstore.h"
#include "telemetry/logging.h"

#include <QDir>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrl>

#include <algorithm>
#include <deque>
#include <mutex>

namespace pomelo {

namespace {

using namespace ecard;
using sandbox::controlAnswer;
using sandbox::inStateDir;
using sandbox::jsonObjectBody;
using sandbox::nowSeconds;
using Record = SandboxStore::Record;

constexpr int LegacyStateVersion = 1;
constexpr qint64 DefaultExpirySeconds = 15 * 60;
constexpr qint64 MaxExpirySeconds = 7 * 24 * 3600;
constexpr qint64 MaxBalance = 10'000'000'000; // 100 million yuan: far beyond any card
constexpr qsizetype MaxSubjectLength = 127;
constexpr qsizetype MaxAttachLength = 127;
constexpr qsizetype MaxReasonTextLength = 80;
constexpr qsizetype MaxUrlLength = 512;

// Per thread: handlers run on several pool threads at once.
const QRegularExpression &idPattern()
{
    thread_local const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_-]{1,32}$"));
    return re;
}

const QRegularExpression &studentPattern()
{
    thread_local const QRegularExpression re(QStringLiteral("^[A-Za-z0-9]{4,20}$"));
    return re;
}

/// A business refusal, answered (signed) with its retcode.
struct Refusal
{
    QLatin1String code;
    QString detail;
};

struct Order
{
    QString outTradeNo;
    QString prepayId;
    QString studentNo;
    qint64 amount = 0;
    QString subject;
    QString notifyUrl;
    QString attach;
    qint64 createTime = 0;
    qint64 expireTime = 0;
    TradeState state = TradeState::NotPay;
    QString tradeNo;
    qint64 paidTime = 0;
    qint64 closeTime = 0;
    qint64 refunded = 0;
    QString errCode;
    QString errMsg;
};

struct RefundRecord
{
    QString outRefundNo;
    QString outTradeNo;
    QString refundId;
    qint64 amount = 0;
    QString reason;
    qint64 time = 0;
};

QString textOf(const QJsonObject &o, QLatin1String key)
{
    return o.value(key).toString();
}

qint64 integerOf(const QJsonObject &o, QLatin1String key)
{
    return integerField(o, key).value_or(0);
}

void insertIfNotEmpty(QJsonObject &o, QLatin1String key, const QString &value)
{
    if (!value.isEmpty())
        o.insert(key, value);
}

void insertIfPositive(QJsonObject &o, QLatin1String key, qint64 value)
{
    if (value > 0)
        o.insert(key, value);
}

QJsonObject orderToJson(const Order &o)
{
    QJsonObject j {
        {field::outTradeNo, o.outTradeNo},
        {field::prepayId, o.prepayId},
        {field::studentNo, o.studentNo},
        {field::amount, o.amount},
        {field::subject, o.subject},
        {field::notifyUrl, o.notifyUrl},
        {QLatin1String("create_time"), o.createTime},
        {field::expireTime, o.expireTime},
        {field::tradeState, tradeStateName(o.state)},
    };
    insertIfNotEmpty(j, field::attach, o.attach);
    insertIfNotEmpty(j, field::tradeNo, o.tradeNo);
    insertIfPositive(j, field::paidTime, o.paidTime);
    insertIfPositive(j, field::closeTime, o.closeTime);
    insertIfPositive(j, field::refundedAmount, o.refunded);
    insertIfNotEmpty(j, field::errCode, o.errCode);
    insertIfNotEmpty(j, field::errMsg, o.errMsg);
    return j;
}

std::optional<Order> orderFromJson(const QJsonObject &j)
{
    Order o;
    o.outTradeNo = textOf(j, field::outTradeNo);
    o.prepayId = textOf(j, field::prepayId);
    o.studentNo = textOf(j, field::studentNo);
    o.amount = integerOf(j, field::amount);
    o.subject = textOf(j, field::subject);
    o.notifyUrl = textOf(j, field::notifyUrl);
    o.attach = textOf(j, field::attach);
    o.createTime = integerOf(j, QLatin1String("create_time"));
    o.expireTime = integerOf(j, field::expireTime);
    const auto state = tradeStateFromName(textOf(j, field::tradeState));
    if (o.outTradeNo.isEmpty() || o.prepayId.isEmpty() || !state)
        return std::nullopt;
    o.state = *state;
    o.tradeNo = textOf(j, field::tradeNo);
    o.paidTime = integerOf(j, field::paidTime);
    o.closeTime = integerOf(j, field::closeTime);
    o.refunded = integerOf(j, field::refundedAmount);
    o.errCode = textOf(j, field::errCode);
    o.errMsg = textOf(j, field::errMsg);
    return o;
}

QJsonObject refundToJson(const RefundRecord &r)
{
    QJsonObject j {
        {field::outRefundNo, r.outRefundNo}, {field::outTradeNo, r.outTradeNo},
        {field::refundId, r.refundId},       {field::refundAmount, r.amount},
        {field::refundTime, r.time},
    };
    insertIfNotEmpty(j, field::refundReason, r.reason);
    return j;
}

std::optional<RefundRecord> refundFromJson(const QJsonObject &j)
{
    RefundRecord r;
    r.outRefundNo = textOf(j, field::outRefundNo);
    r.outTradeNo = textOf(j, field::outTradeNo);
    r.refundId = textOf(j, field::refundId);
    r.amount = integerOf(j, field::refundAmount);
    r.reason = textOf(j, field::refundReason);
    r.time = integerOf(j, field::refundTime);
    if (r.outRefundNo.isEmpty())
        return std::nullopt;
    return r;
}

// Record kinds in the store; an order's and a refund's value is its JSON above.
const QString Account = QStringLiteral("account"); // {"balance": fen}, by student number

/// The notification of the former `ecard.json` in SandboxNotifier's form.
SandboxNotice legacyNotice(const QJsonObject &j)
{
    SandboxNotice n;
    n.id = textOf(j, field::notifyId);
    n.url = textOf(j, QLatin1String("url"));
    n.content = j.value(QLatin1String("payload")).toObject();
    n.state = sandbox::noticeStateFromName(textOf(j, QLatin1String("state")));
    n.attempts = j.value(QLatin1String("attempts")).toInt();
    n.createdMs = integerOf(j, QLatin1String("created_ms"));
    n.dueMs = integerOf(j, QLatin1String("due_ms"));
    n.lastError = textOf(j, QLatin1String("last_error"));
    return n;
}

/// The records of the former whole-state file `ecard.json` (version 1).
QList<Record> legacyRecords(const QJsonObject &root)
{
    QList<Record> out;
    const QJsonObject accounts = root.value(QLatin1String("accounts")).toObject();
    for (auto it = accounts.begin(); it != accounts.end(); ++it)
        out.append({Account, it.key(), {{QStringLiteral("balance"), it.value().toInteger()}}});
    return out + legacyTradeRecords(root, field::outTradeNo, field::outRefundNo, legacyNotice);
}

QString notifyRefusal(const HttpClientResponse &r)
{
    if (r.status < 200 || r.status > 299)
        return QStringLiteral("HTTP %1").arg(r.status);
    const auto answer = jsonObjectBody(r.body);
    if (answer && answer->value(field::retcode).toString() == retcode::success)
        return {};
    return QStringLiteral("answer without retcode 0000");
}

/// prefix + Beijing time (yyyyMMddHHmmss) + 8 random digits: the look of card-center serials.
QString serial(QLatin1String prefix)
{
    return prefix + sandbox::beijingSerialTime() + sandbox::randomDigits(8);
}

QString requireMatch(const QJsonObject &m, QLatin1String key, const QRegularExpression &pattern)
{
    const auto value = stringField(m, key);
    if (!value || !pattern.match(*value).hasMatch())
        throw Refusal {retcode::invalidParameter, QLatin1String(key)};
    return *value;
}

QString requireText(const QJsonObject &m, QLatin1String key, qsizetype maxLength)
{
    const auto value = stringField(m, key);
    if (!value || value->trimmed().isEmpty() || value->size() > maxLength)
        throw Refusal {retcode::invalidParameter, QLatin1String(key)};
    return *value;
}

QString optionalText(const QJsonObject &m, QLatin1String key, qsizetype maxLength)
{
    const QJsonValue v = m.value(key);
    if (v.isUndefined() || v.isNull())
        return {};
    if (!v.isString() || v.toString().size() > maxLength)
        throw Refusal {retcode::invalidParameter, QLatin1String(key)};
    return v.toString();
}

qint64 requireInteger(const QJsonObject &m, QLatin1String key, qint64 min, qint64 max)
{
    const auto value = integerField(m, key);
    if (!value || *value < min || *value > max)
        throw Refusal {retcode::invalidParameter, QLatin1String(key)};
    return *value;
}

HttpResponse controlError(int status, QLatin1String code, const QString &detail = {})
{
    QJsonObject body {{QStringLiteral("retcode"), QString(code)},
                      {QStringLiteral("retmsg"), retmsgOf(code)}};
    insertIfNotEmpty(body, QLatin1String("detail"), detail);
    return controlAnswer(status, body);
}

} // namespace

struct EcardSandbox::State
{
    EcardSandboxOptions o;

    mutable std::mutex mutex; // the maps and queues below
    QHash<QString, qint64> accounts;
    QHash<QString, Order> orders;
    QHash<QString, QString> byPrepay;
    QHash<QString, RefundRecord> refunds;
    QHash<QString, qint64> nonces;
    std::deque<std::pair<qint64, QString>> nonceQueue;
    /// Retcodes to answer to the next signed requests (simulate/fault; not persisted): the
    /// card center's signature, clock and system refusals, which say nothing about the request.
    std::deque<QString> faults;

    // Every change is staged under `mutex` and flushed before it is answered.
    SandboxStore store;
    SandboxNotifier notifier;

    explicit State(EcardSandboxOptions options);
    SandboxNotifierOptions notifierOptions() const;
    void load();
    void apply(const QList<Record> &records);
    void saveAccountLocked(const QString &studentNo);
    void saveOrderLocked(const Order &order);
    void saveRefundLocked(const RefundRecord &refund);
    void persist() { store.flush(); }

    QString cashierUrl(const QString &prepayId) const;
    QJsonObject orderAnswer(const Order &order) const;
    void expireIfDue(Order &order, qint64 now);
    bool claimNonce(const QString &nonce, qint64 now);
    Order &findOrderLocked(const QJsonObject &m);

    using Operation = QJsonObject (State::*)(const QJsonObject &);
    HttpResponse signedEndpoint(const HttpRequest &request, QLatin1String path, Operation op);
    HttpResponse signedAnswer(QLatin1String code, QJsonObject fields = {}) const;
    QJsonObject opCreate(const QJsonObject &m);
    QJsonObject opQuery(const QJsonObject &m);
    QJsonObject opClose(const QJsonObject &m);
    QJsonObject opRefund(const QJsonObject &m);
    QJsonObject opRefundQuery(const QJsonObject &m);

    QJsonObject payLocked(Order &order, bool success, qint64 now);
    HttpResponse simulatePay(const HttpRequest &request);
    HttpResponse simulateSetBalance(const HttpRequest &request);
    HttpResponse simulateGetBalance(const HttpRequest &request) const;
    HttpResponse simulateFault(const HttpRequest &request);
    HttpResponse simulateNotifications(const HttpRequest &request) const;
    HttpResponse cashierPage(const HttpRequest &request);

    QString enqueueNoticeLocked(const Order &order);
    HttpClientRequest notifyRequest(const SandboxNotice &notice, int attempt) const;
    QList<EcardSandboxNotification> noticesOf(const QString &outTradeNo) const;
};

namespace {

QString prepareStateDir(const QString &dir)
{
    if (!dir.isEmpty() && !QDir().mkpath(dir))
        qCWarning(lcSandbox).noquote() << "ecard sandbox: cannot create" << dir;
    return dir;
}

} // namespace

EcardSandbox::State::State(EcardSandboxOptions options)
    : o(std::move(options))
    // An unreadable state has always been set aside as ecard.json.corrupt-<seconds>: whoever looks
    // for it (people, the channel tests) finds the database there too.
    , store(inStateDir(prepareStateDir(o.stateDir), "ecard.db"),
            inStateDir(o.stateDir, "ecard.json"))
    , notifier(notifierOptions(), store)
{
    if (o.notifyScheduleMs.isEmpty())
        o.notifyScheduleMs = {0};
}

SandboxNotifierOptions EcardSandbox::State::notifierOptions() const
{
    SandboxNotifierOptions n;
    n.name = QStringLiteral("ecard sandbox");
    n.scheduleMs = o.notifyScheduleMs;
    n.threads = o.notifyThreads;
    n.request = [this](const SandboxNotice &notice, int attempt) {
        return notifyRequest(notice, attempt);
    };
    n.refusal = notifyRefusal;
    return n;
}

void EcardSandbox::State::load()
{
    QList<Record> records = store.loaded();
    records += importLegacyState(store, inStateDir(o.stateDir, "ecard.json"), LegacyStateVersion,
                                 legacyRecords);
    apply(records);
    const int resumed = notifier.restore(records);
    if (!records.isEmpty())
        qCInfo(lcSandbox).noquote() << "ecard sandbox: loaded" << accounts.size() << "accounts,"
                                    << orders.size() << "orders," << refunds.size() << "refunds,"
                                    << resumed << "pending notifications from" << store.path();
}

void EcardSandbox::State::apply(const QList<Record> &records)
{
    std::lock_guard lock(mutex);
    for (const Record &r : records) {
        if (r.kind == Account) {
            accounts.insert(r.key, integerOf(r.value, QLatin1String("balance")));
        } else if (r.kind == orderRecordKind()) {
            if (auto order = orderFromJson(r.value)) {
                byPrepay.insert(order->prepayId, order->outTradeNo);
                orders.insert(order->outTradeNo, *order);
            }
        } else if (r.kind == refundRecordKind()) {
            if (auto refund = refundFromJson(r.value))
                refunds.insert(refund->outRefundNo, *refund);
        }
    }
}

void EcardSandbox::State::saveAccountLocked(const QString &studentNo)
{
    store.stage(Account, studentNo, {{QStringLiteral("balance"), accounts.value(studentNo)}});
}

void EcardSandbox::State::saveOrderLocked(const Order &order)
{
    store.stage(orderRecordKind(), order.outTradeNo, orderToJson(order));
}

void EcardSandbox::State::saveRefundLocked(const RefundRecord &refund)
{
    store.stage(refundRecordKind(), refund.outRefundNo, refundToJson(refund));
}

QString EcardSandbox::State::cashierUrl(const QString &prepayId) const
{
    if (o.publicBaseUrl.isEmpty())
        return {};
    QString base = o.publicBaseUrl;
    while (base.endsWith(u'/'))
        base.chop(1);
    return base + o.pathPrefix + QStringLiteral("/cashier?prepay_id=")
        + QString::fromLatin1(QUrl::toPercentEncoding(prepayId));
}

QJsonObject EcardSandbox::State::orderAnswer(const Order &order) const
{
    QJsonObject a = orderToJson(order);
    a.remove(QLatin1String("create_time"));
    a.remove(field::notifyUrl);
    insertIfNotEmpty(a, field::cashierUrl, cashierUrl(order.prepayId));
    return a;
}

void EcardSandbox::State::expireIfDue(Order &order, qint64 now)
{
    if (order.state == TradeState::NotPay && now >= order.expireTime) {
        order.state = TradeState::Closed;
        order.closeTime = order.expireTime;
        saveOrderLocked(order);
        qCInfo(lcSandbox).noquote() << "ecard sandbox: order" << order.outTradeNo << "expired";
    }
}

bool EcardSandbox::State::claimNonce(const QString &nonce, qint64 now)
{
    // A nonce is remembered for twice the window: a replay later than that has a stale timestamp.
    const qint64 keep = 2 * qint64(o.timestampWindowSeconds);
    while (!nonceQueue.empty() && nonceQueue.front().first < now - keep) {
        nonces.remove(nonceQueue.front().second);
        nonceQueue.pop_front();
    }
    if (nonces.contains(nonce))
        return false;
    nonces.insert(nonce, now);
    nonceQueue.emplace_back(now, nonce);
    return true;
}

Order &EcardSandbox::State::findOrderLocked(const QJsonObject &m)
{
    QString outTradeNo = stringField(m, field::outTradeNo).value_or(QString());
    if (outTradeNo.isEmpty()) {
        const QString prepayId = stringField(m, field::prepayId).value_or(QString());
        if (prepayId.isEmpty())
            throw Refusal {retcode::invalidParameter, QStringLiteral("out_trade_no")};
        outTradeNo = byPrepay.value(prepayId);
    }
    auto it = orders.find(outTradeNo);
    if (it == orders.end())
        throw Refusal {retcode::orderNotFound, outTradeNo};
    return it.value();
}

HttpResponse EcardSandbox::State::signedAnswer(QLatin1String code, QJsonObject fields) const
{
    fields.insert(field::retcode, QString(code));
    fields.insert(field::retmsg, retmsgOf(code));
    const QJsonObject answer =
        withSignature(stamped(fields, o.partnerId, nowSeconds()), o.partnerKey);
    return HttpResponse::json(200, QJsonDocument(answer).toJson(QJsonDocument::Compact));
}

HttpResponse EcardSandbox::State::signedEndpoint(const HttpRequest &request, QLatin1String path,
                                                 Operation op)
{
    const auto message = jsonObjectBody(request.body);
    if (!message) {
        qCWarning(lcSandbox).noquote() << "ecard sandbox" << path << ": body is not a JSON object";
        return signedAnswer(retcode::invalidParameter);
    }
    qCInfo(lcSandbox).noquote() << "ecard sandbox <-" << path << forLog(*message);
    const qint64 now = nowSeconds();
    const Verdict verdict =
        verify(*message, o.partnerId, o.partnerKey, now, o.timestampWindowSeconds);
    if (verdict != Verdict::Ok) {
        qCWarning(lcSandbox).noquote()
            << "ecard sandbox" << path << "refused:" << verdictName(verdict);
        return signedAnswer(verdictRetcode(verdict));
    }
    {
        std::lock_guard lock(mutex);
        if (!faults.empty()) {
            const QString code = faults.front();
            faults.pop_front();
            qCWarning(lcSandbox).noquote() << "ecard sandbox" << path << "simulated fault" << code;
            return signedAnswer(QLatin1String(code.toLatin1()));
        }
        if (!claimNonce(message->value(field::nonceStr).toString(), now)) {
            qCWarning(lcSandbox).noquote() << "ecard sandbox" << path << "refused: nonce reused";
            return signedAnswer(retcode::nonceReused);
        }
    }
    try {
        QJsonObject data = (this->*op)(*message);
        persist();
        qCInfo(lcSandbox).noquote() << "ecard sandbox ->" << path << "0000";
        return signedAnswer(retcode::success, std::move(data));
    } catch (const Refusal &refusal) {
        persist(); // an expiry may have happened on the way
        qCInfo(lcSandbox).noquote() << "ecard sandbox ->" << path << refusal.code << refusal.detail;
        return signedAnswer(refusal.code);
    } catch (const std::exception &e) {
        qCCritical(lcSandbox).noquote() << "ecard sandbox" << path << "failed:" << e.what();
        return signedAnswer(retcode::systemError);
    }
}

QJsonObject EcardSandbox::State::opCreate(const QJsonObject &m)
{
    const QString outTradeNo = requireMatch(m, field::outTradeNo, idPattern());
    const auto studentNo = stringField(m, field::studentNo);
    if (!studentNo || studentNo->isEmpty())
        throw Refusal {retcode::invalidParameter, QStringLiteral("student_no")};
    if (!studentPattern().match(*studentNo).hasMatch())
        throw Refusal {retcode::studentNotFound, *studentNo};
    const qint64 amount = requireInteger(m, field::amount, MinAmount, MaxAmount);
    const QString subject = requireText(m, field::subject, MaxSubjectLength);
    const QString notifyUrl = requireText(m, field::notifyUrl, MaxUrlLength);
    const QUrl url(notifyUrl, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()
        || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        throw Refusal {retcode::invalidParameter, QStringLiteral("notify_url")};
    const QString attach = optionalText(m, field::attach, MaxAttachLength);
    const QJsonValue expireValue = m.value(field::expireTime);
    std::optional<qint64> expireTime;
    if (!expireValue.isUndefined() && !expireValue.isNull()) {
        expireTime = integerField(m, field::expireTime);
        if (!expireTime)
            throw Refusal {retcode::invalidParameter, QStringLiteral("expire_time")};
    }
    const qint64 now = nowSeconds();

    std::lock_guard lock(mutex);
    if (auto it = orders.find(outTradeNo); it != orders.end()) {
        // Idempotent: a repeated create (a client retry) gets the same order in its current state.
        Order &order = it.value();
        const bool same = order.studentNo == *studentNo && order.amount == amount
            && order.subject == subject && order.notifyUrl == notifyUrl && order.attach == attach
            && (!expireTime || *expireTime == order.expireTime);
        if (!same)
            throw Refusal {retcode::duplicateOutTradeNo, outTradeNo};
        expireIfDue(order, now);
        return orderAnswer(order);
    }
    if (expireTime && (*expireTime <= now || *expireTime > now + MaxExpirySeconds))
        throw Refusal {retcode::invalidParameter, QStringLiteral("expire_time")};
    if (!accounts.contains(*studentNo)) {
        if (!o.autoOpenAccounts)
            throw Refusal {retcode::studentNotFound, *studentNo};
        accounts.insert(*studentNo, o.openingBalance);
        saveAccountLocked(*studentNo);
        qCInfo(lcSandbox).noquote() << "ecard sandbox: opened account" << *studentNo << "with"
                                    << formatYuan(o.openingBalance);
    }
    Order order;
    order.outTradeNo = outTradeNo;
    do {
        order.prepayId = serial(QLatin1String("EP"));
    } while (byPrepay.contains(order.prepayId));
    order.studentNo = *studentNo;
    order.amount = amount;
    order.subject = subject;
    order.notifyUrl = notifyUrl;
    order.attach = attach;
    order.createTime = now;
    order.expireTime = expireTime.value_or(now + DefaultExpirySeconds);
    orders.insert(outTradeNo, order);
    byPrepay.insert(order.prepayId, outTradeNo);
    saveOrderLocked(order);
    return orderAnswer(order);
}

QJsonObject EcardSandbox::State::opQuery(const QJsonObject &m)
{
    std::lock_guard lock(mutex);
    Order &order = findOrderLocked(m);
    expireIfDue(order, nowSeconds());
    return orderAnswer(order);
}

QJsonObject EcardSandbox::State::opClose(const QJsonObject &m)
{
    std::lock_guard lock(mutex);
    Order &order = findOrderLocked(m);
    const qint64 now = nowSeconds();
    expireIfDue(order, now);
    switch (order.state) {
    case TradeState::NotPay:
    case TradeState::PayError:
        order.state = TradeState::Closed;
        order.closeTime = now;
        saveOrderLocked(order);
        break;
    case TradeState::Closed:
        break; // closing twice is not an error: a client may retry a close whose answer it lost
    case TradeState::Success:
    case TradeState::Refund:
        throw Refusal {retcode::orderStateInvalid, QStringLiteral("paid: refund instead")};
    }
    return orderAnswer(order);
}

QJsonObject EcardSandbox::State::opRefund(const QJsonObject &m)
{
    const QString outTradeNo = requireMatch(m, field::outTradeNo, idPattern());
    const QString outRefundNo = requireMatch(m, field::outRefundNo, idPattern());
    const qint64 amount = requireInteger(m, field::refundAmount, MinAmount, MaxAmount);
    const QString reason = optionalText(m, field::refundReason, MaxReasonTextLength);
    const qint64 now = nowSeconds();

    std::lock_guard lock(mutex);
    auto answer = [](const RefundRecord &r, const Order &order) {
        QJsonObject a {
            {field::outTradeNo, r.outTradeNo},
            {field::outRefundNo, r.outRefundNo},
            {field::refundId, r.refundId},
            {field::refundAmount, r.amount},
            {field::refundState, refundStateName(RefundState::Success)},
            {field::refundTime, r.time},
            {field::refundedAmount, order.refunded},
        };
        return a;
    };
    if (auto it = refunds.find(outRefundNo); it != refunds.end()) {
        if (it->outTradeNo != outTradeNo || it->amount != amount)
            throw Refusal {retcode::duplicateOutRefundNo, outRefundNo};
        return answer(*it, orders.value(outTradeNo));
    }
    auto orderIt = orders.find(outTradeNo);
    if (orderIt == orders.end())
        throw Refusal {retcode::orderNotFound, outTradeNo};
    Order &order = orderIt.value();
    expireIfDue(order, now);
    if (order.state == TradeState::Closed)
        throw Refusal {retcode::orderClosed, outTradeNo};
    if (order.state != TradeState::Success && order.state != TradeState::Refund)
        throw Refusal {retcode::orderStateInvalid, QStringLiteral("not paid")};
    if (amount > order.amount - order.refunded)
        throw Refusal {
            retcode::refundExceedsAmount,
            QStringLiteral("%1 > %2 left").arg(amount).arg(order.amount - order.refunded)};
    RefundRecord r;
    r.outRefundNo = outRefundNo;
    r.outTradeNo = outTradeNo;
    r.amount = amount;
    r.reason = reason;
    r.time = now;
    do {
        r.refundId = serial(QLatin1String("ER"));
    } while (std::any_of(refunds.cbegin(), refunds.cend(),
                         [&r](const RefundRecord &x) { return x.refundId == r.refundId; }));
    accounts[order.studentNo] += amount;
    order.refunded += amount;
    order.state = TradeState::Refund;
    refunds.insert(outRefundNo, r);
    saveAccountLocked(order.studentNo);
    saveOrderLocked(order);
    saveRefundLocked(r);
    qCInfo(lcSandbox).noquote() << "ecard sandbox: refunded" << formatYuan(amount) << "of"
                                << outTradeNo << "to" << order.studentNo;
    return answer(r, order);
}

QJsonObject EcardSandbox::State::opRefundQuery(const QJsonObject &m)
{
    const QString outRefundNo = requireMatch(m, field::outRefundNo, idPattern());
    std::lock_guard lock(mutex);
    auto it = refunds.find(outRefundNo);
    if (it == refunds.end())
        throw Refusal {retcode::refundNotFound, outRefundNo};
    const Order order = orders.value(it->outTradeNo);
    return QJsonObject {
        {field::outTradeNo, it->outTradeNo},
        {field::outRefundNo, it->outRefundNo},
        {field::refundId, it->refundId},
        {field::refundAmount, it->amount},
        {field::refundState, refundStateName(RefundState::Success)},
        {field::refundTime, it->time},
        {field::refundedAmount, order.refunded},
    };
}

QString EcardSandbox::State::enqueueNoticeLocked(const Order &order)
{
    QString notifyId;
    do {
        notifyId = serial(QLatin1String("EN"));
    } while (notifier.contains(notifyId));
    QJsonObject p {
        {field::notifyId, notifyId},           {field::notifyType, QString(NotifyTypePayResult)},
        {field::outTradeNo, order.outTradeNo}, {field::prepayId, order.prepayId},
        {field::studentNo, order.studentNo},   {field::tradeState, tradeStateName(order.state)},
        {field::amount, order.amount},
    };
    insertIfNotEmpty(p, field::tradeNo, order.tradeNo);
    insertIfPositive(p, field::paidTime, order.paidTime);
    insertIfNotEmpty(p, field::errCode, order.errCode);
    insertIfNotEmpty(p, field::errMsg, order.errMsg);
    insertIfNotEmpty(p, field::attach, order.attach);
    // The content is the business fields; the envelope and sign are added per attempt.
    notifier.enqueue(notifyId, order.notifyUrl, p);
    return notifyId;
}

QJsonObject EcardSandbox::State::payLocked(Order &order, bool success, qint64 now)
{
    auto account = accounts.find(order.studentNo);
    if (account == accounts.end() && o.autoOpenAccounts)
        account = accounts.insert(order.studentNo, o.openingBalance);
    if (!success) {
        order.state = TradeState::PayError;
        order.errCode = retcode::paymentFailed;
    } else if (account == accounts.end()) {
        order.state = TradeState::PayError;
        order.errCode = retcode::studentNotFound;
    } else if (account.value() < order.amount) {
        order.state = TradeState::PayError;
        order.errCode = retcode::insufficientBalance;
    } else {
        account.value() -= order.amount;
        order.state = TradeState::Success;
        order.paidTime = now;
        order.tradeNo = serial(QLatin1String("ET"));
    }
    if (order.state == TradeState::PayError)
        order.errMsg = retmsgOf(order.errCode);
    if (account != accounts.end())
        saveAccountLocked(order.studentNo);
    saveOrderLocked(order);
    const QString notifyId = enqueueNoticeLocked(order);
    QJsonObject answer {
        {QStringLiteral("outTradeNo"), order.outTradeNo},
        {QStringLiteral("prepayId"), order.prepayId},
        {QStringLiteral("tradeState"), tradeStateName(order.state)},
        {QStringLiteral("notifyId"), notifyId},
    };
    insertIfNotEmpty(answer, QLatin1String("tradeNo"), order.tradeNo);
    insertIfNotEmpty(answer, QLatin1String("errCode"), order.errCode);
    insertIfNotEmpty(answer, QLatin1String("errMsg"), order.errMsg);
    if (account != accounts.end())
        answer.insert(QStringLiteral("balance"), account.value());
    qCInfo(lcSandbox).noquote() << "ecard sandbox: student" << order.studentNo << "paid"
                                << order.outTradeNo << "->" << tradeStateName(order.state)
                                << order.errCode;
    return answer;
}

HttpResponse EcardSandbox::State::simulatePay(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    if (!body)
        return controlError(400, retcode::invalidParameter, QStringLiteral("JSON object expected"));
    const QString result = body->value(QLatin1String("result")).toString();
    const bool success = result == QLatin1String("SUCCESS");
    if (!success && result != QLatin1String("FAIL") && result != QLatin1String("PAYERROR"))
        return controlError(400, retcode::invalidParameter,
                            QStringLiteral("result must be SUCCESS or FAIL"));
    // `amount`: the card center takes, and reports, another amount than the order's (a broken
    // terminal, a tampered record): the platform must not take it as the order's payment.
    const QJsonValue amountValue = body->value(QLatin1String("amount"));
    const qint64 amount = amountValue.isUndefined() ? 0 : amountValue.toInteger(-1);
    if (amount < 0 || amount > 100000000 || (!amountValue.isUndefined() && amount == 0))
        return controlError(400, retcode::invalidParameter,
                            QStringLiteral("amount must be 1..100000000 fen"));
    QJsonObject lookup;
    insertIfNotEmpty(lookup, field::outTradeNo,
                     body->value(QLatin1String("outTradeNo")).toString());
    insertIfNotEmpty(lookup, field::prepayId, body->value(QLatin1String("prepayId")).toString());

    QJsonObject answer;
    std::optional<HttpResponse> refused;
    {
        std::lock_guard lock(mutex);
        Order *order = nullptr;
        try {
            order = &findOrderLocked(lookup);
        } catch (const Refusal &refusal) {
            return controlError(refusal.code == retcode::orderNotFound ? 404 : 400, refusal.code,
                                QStringLiteral("prepayId or outTradeNo of an order expected"));
        }
        const qint64 now = nowSeconds();
        expireIfDue(*order, now);
        // `late`: the card center takes a payment for an order it has just closed (its own race
        // between a terminal's payment and the close). Real systems do this rarely; the platform
        // must then refund, which is what this switch lets a test show.
        const bool late = body->value(QLatin1String("late")).toBool();
        if (amount && (order->state == TradeState::NotPay || order->state == TradeState::Closed)) {
            order->amount = amount;
            saveOrderLocked(*order);
        }
        if (order->state == TradeState::Closed && late && success) {
            answer = payLocked(*order, success, now);
        } else if (order->state == TradeState::Closed) {
            refused = controlError(409, retcode::orderClosed);
        } else if (order->state != TradeState::NotPay) {
            refused = controlError(409, retcode::orderStateInvalid,
                                   QStringLiteral("order is ") + tradeStateName(order->state));
        } else {
            answer = payLocked(*order, success, now);
        }
    }
    persist(); // also an expiry noticed on the way
    if (refused)
        return *refused;
    notifier.wake();
    return controlAnswer(200, answer);
}

HttpResponse EcardSandbox::State::simulateSetBalance(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    if (!body)
        return controlError(400, retcode::invalidParameter, QStringLiteral("JSON object expected"));
    const QString studentNo = body->value(QLatin1String("studentNo")).toString();
    const auto balance = integerField(*body, QLatin1String("balance"));
    if (!studentPattern().match(studentNo).hasMatch())
        return controlError(400, retcode::studentNotFound,
                            QStringLiteral("studentNo: 4-20 letters or digits"));
    if (!balance || *balance < 0 || *balance > MaxBalance)
        return controlError(400, retcode::invalidParameter,
                            QStringLiteral("balance: integer fen, 0 or more"));
    {
        std::lock_guard lock(mutex);
        accounts.insert(studentNo, *balance);
        saveAccountLocked(studentNo);
    }
    persist();
    qCInfo(lcSandbox).noquote() << "ecard sandbox: balance of" << studentNo << "set to"
                                << formatYuan(*balance);
    return controlAnswer(
        200, {{QStringLiteral("studentNo"), studentNo}, {QStringLiteral("balance"), *balance}});
}

HttpResponse EcardSandbox::State::simulateFault(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    const QString code = body ? body->value(QLatin1String("retcode")).toString() : QString();
    const int count = body ? body->value(QLatin1String("count")).toInt(1) : 0;
    if ((code != retcode::signError && code != retcode::timestampExpired
         && code != retcode::systemError)
        || count < 1 || count > 100)
        return controlError(400, retcode::invalidParameter,
                            QStringLiteral("retcode 1001, 1002 or 9999 and count 1..100 expected"));
    std::lock_guard lock(mutex);
    for (int i = 0; i < count; ++i)
        faults.push_back(code);
    return controlAnswer(200, {{QStringLiteral("queued"), int(faults.size())}});
}

HttpResponse EcardSandbox::State::simulateGetBalance(const HttpRequest &request) const
{
    const QString studentNo = request.query.queryItemValue(QStringLiteral("studentNo"));
    std::lock_guard lock(mutex);
    const auto it = accounts.constFind(studentNo);
    if (it == accounts.cend())
        return controlError(404, retcode::studentNotFound);
    return controlAnswer(
        200, {{QStringLiteral("studentNo"), studentNo}, {QStringLiteral("balance"), it.value()}});
}

QList<EcardSandboxNotification> EcardSandbox::State::noticesOf(const QString &outTradeNo) const
{
    QList<EcardSandboxNotification> out;
    const QList<SandboxNotice> all = notifier.notices();
    for (const SandboxNotice &n : all) {
        const QString trade = n.content.value(field::outTradeNo).toString();
        if (!outTradeNo.isEmpty() && trade != outTradeNo)
            continue;
        out.append({n.id, trade, n.content.value(field::tradeState).toString(),
                    sandbox::noticeStateName(n.state), n.attempts, n.lastError});
    }
    return out;
}

HttpResponse EcardSandbox::State::simulateNotifications(const HttpRequest &request) const
{
    const QList<EcardSandboxNotification> list =
        noticesOf(request.query.queryItemValue(QStringLiteral("outTradeNo")));
    QJsonArray items;
    for (const EcardSandboxNotification &n : std::as_const(list)) {
        QJsonObject item {
            {QStringLiteral("notifyId"), n.notifyId},
            {QStringLiteral("outTradeNo"), n.outTradeNo},
            {QStringLiteral("tradeState"), n.tradeState},
            {QStringLiteral("state"), n.state},
            {QStringLiteral("attempts"), n.attempts},
        };
        insertIfNotEmpty(item, QLatin1String("lastError"), n.lastError);
        items.append(item);
    }
    return controlAnswer(200, {{QStringLiteral("notifications"), items}});
}

HttpResponse EcardSandbox::State::cashierPage(const HttpRequest &request)
{
    const QString prepayId = request.query.queryItemValue(QStringLiteral("prepay_id"));
    Order order;
    {
        std::lock_guard lock(mutex);
        const auto id = byPrepay.constFind(prepayId);
        if (id == byPrepay.cend())
            return HttpResponse::text(404, QByteArrayLiteral("unknown prepay_id\n"));
        Order &stored = orders[id.value()];
        expireIfDue(stored, nowSeconds());
        order = stored;
    }
    persist();
    // The real card center shows its H5 cashier here; the sandbox shows the order and how to act
    // as the student.
    const QString html = QStringLiteral("<!doctype html><html><head><meta charset=\"utf-8\">"
                                        "<title>校园一卡通收银台 (sandbox)</title></head><body>"
                                        "<h1>校园一卡通收银台 (sandbox)</h1><p>")
        + order.subject.toHtmlEscaped() + QStringLiteral("</p><p>学号 ")
        + order.studentNo.toHtmlEscaped() + QStringLiteral(" · ¥") + formatYuan(order.amount)
        + QStringLiteral(" · ") + tradeStateName(order.state) + QStringLiteral("</p><p>POST ")
        + o.pathPrefix.toHtmlEscaped() + QStringLiteral("/simulate/pay {\"prepayId\":\"")
        + order.prepayId.toHtmlEscaped()
        + QStringLiteral("\",\"result\":\"SUCCESS\"}</p></body></html>");
    return HttpResponse::text(200, html.toUtf8(), QByteArrayLiteral("text/html; charset=utf-8"));
}

HttpClientRequest EcardSandbox::State::notifyRequest(const SandboxNotice &notice, int attempt) const
{
    // Signed per attempt: a fresh timestamp keeps late retries inside the receiver's window.
    const QJsonObject message =
        withSignature(stamped(notice.content, o.partnerId, nowSeconds()), o.partnerKey);
    HttpClientRequest req;
    req.method = QByteArrayLiteral("POST");
    req.url = QUrl(notice.url);
    req.body = QJsonDocument(message).toJson(QJsonDocument::Compact);
    req.headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json; charset=utf-8")});
    req.timeoutMs = o.notifyTimeoutMs;
    req.spanName = QStringLiteral("ecard sandbox notify");
    qCInfo(lcSandbox).noquote() << "ecard sandbox notify ->" << req.url.host() + req.url.path()
                                << "attempt" << attempt << forLog(message);
    return req;
}

// ---- EcardSandboxOptions ------------------------------------------------------------------------

QList<qint64> EcardSandboxOptions::defaultNotifyScheduleMs()
{
    return {0,      2000,    10000,   30000,   120000,   300000,
            600000, 1800000, 3600000, 7200000, 21600000, 54000000};
}

EcardSandboxOptions EcardSandboxOptions::fromConfig(const Config &config)
{
    EcardSandboxOptions o;
    o.partnerId = config.sandboxEcardPartnerId();
    o.partnerKey = config.sandboxEcardPartnerKey().toUtf8();
    o.stateDir = QDir(config.dataDir()).filePath(QStringLiteral("sandbox"));
    o.publicBaseUrl = config.publicBaseUrl();
    return o;
}

// ---- EcardSandbox -------------------------------------------------------------------------------

EcardSandbox::EcardSandbox(EcardSandboxOptions options)
    : d(std::make_unique<State>(std::move(options)))
{
    d->load();
    d->notifier.start();
}

EcardSandbox::~EcardSandbox()
{
    d->notifier.stop();
    d->persist(); // attempts that ended during the stop
}

const EcardSandboxOptions &EcardSandbox::options() const
{
    return d->o;
}

QString EcardSandbox::stateFilePath() const
{
    return d->store.path();
}

std::optional<qint64> EcardSandbox::balance(const QString &studentNo) const
{
    std::lock_guard lock(d->mutex);
    const auto it = d->accounts.constFind(studentNo);
    if (it == d->accounts.cend())
        return std::nullopt;
    return it.value();
}

QList<EcardSandboxNotification> EcardSandbox::notifications(const QString &outTradeNo) const
{
    return d->noticesOf(outTradeNo);
}

int EcardSandbox::pendingNotifications() const
{
    return d->notifier.pendingCount();
}

void EcardSandbox::addRoutes(Router &router, State *state, std::shared_ptr<EcardSandbox> keepAlive)
{
    const QString prefix = state->o.pathPrefix;
    auto endpoint = [&](QLatin1String path, State::Operation op) {
        router.add("POST", prefix + path, HandlerMode::Blocking,
                   [state, keepAlive, path, op](const HttpRequest &r) {
                       return state->signedEndpoint(r, path, op);
                   });
    };
    endpoint(path::payCreate, &State::opCreate);
    endpoint(path::payQuery, &State::opQuery);
    endpoint(path::payClose, &State::opClose);
    endpoint(path::refundCreate, &State::opRefund);
    endpoint(path::refundQuery, &State::opRefundQuery);

    router.add("POST", prefix + QStringLiteral("/simulate/pay"), HandlerMode::Blocking,
               [state, keepAlive](const HttpRequest &r) { return state->simulatePay(r); });
    router.add("POST", prefix + QStringLiteral("/simulate/balance"), HandlerMode::Blocking,
               [state, keepAlive](const HttpRequest &r) { return state->simulateSetBalance(r); });
    router.add("GET", prefix + QStringLiteral("/simulate/balance"), HandlerMode::Blocking,
               [state, keepAlive](const HttpRequest &r) { return state->simulateGetBalance(r); });
    router.add("POST", prefix + QStringLiteral("/simulate/fault"), HandlerMode::Blocking,
               [state, keepAlive](const HttpRequest &r) { return state->simulateFault(r); });
    router.add(
        "GET", prefix + QStringLiteral("/simulate/notifications"), HandlerMode::Blocking,
        [state, keepAlive](const HttpRequest &r) { return state->simulateNotifications(r); });
    router.add("GET", prefix + QStringLiteral("/cashier"), HandlerMode::Blocking,
               [state, keepAlive](const HttpRequest &r) { return state->cashierPage(r); });
}

void EcardSandbox::registerRoutes(Router &router)
{
    addRoutes(router, d.get(), nullptr);
}

std::shared_ptr<EcardSandbox> EcardSandbox::mount(Router &router, EcardSandboxOptions options)
{
    if (options.partnerId.isEmpty() || options.partnerKey.isEmpty()) {
        qCWarning(lcSandbox) << "ecard sandbox not mounted: ecard.partner_id or ecard.partner_key "
                                "is empty";
        return nullptr;
    }
    auto sandbox = std::make_shared<EcardSandbox>(std::move(options));
    addRoutes(router, sandbox->d.get(), sandbox);
    qCInfo(lcSandbox).noquote() << "ecard sandbox mounted at" << sandbox->options().pathPrefix
                                << "state:"
                                << (sandbox->stateFilePath().isEmpty() ? QStringLiteral("in memory")
                                                                       : sandbox->stateFilePath());
    return sandbox;
}

} // namespace pomelo
