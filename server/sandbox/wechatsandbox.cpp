#include "sandbox/wechatsandbox.h"

#include "channels/wechatplatformkeys.h"
#include "channels/wechatprotocol.h"
#include "config/config.h"
#include "domain/crypto.h"
#include "domain/errors.h"
#include "domain/money.h"
#include "http/router.h"
#include "net/httpclient.h"
#include "sandbox/sandboxcommon.h"
#include "sandbox/sandboxnotifier.h"
#include "sandbox/sandboxstore.h"
#include "telemetry/logging.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QRegularExpression>
#include <QUrl>
#include <QUuid>

#include <algorithm>
#include <deque>
#include <mutex>

namespace pomelo {

namespace {

using namespace wechat;
using sandbox::beijingSerialTime;
using sandbox::controlAnswer;
using sandbox::inStateDir;
using sandbox::jsonObjectBody;
using sandbox::nowSeconds;
using sandbox::randomDigits;
using Record = SandboxStore::Record;

constexpr int LegacyStateVersion = 1;
constexpr qint64 MaxExpirySeconds = 7 * 24 * 3600;

const QRegularExpression &outTradeNoPattern()
{
    thread_local const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_\\-|*]{6,32}$"));
    return re;
}

const QRegularExpression &outRefundNoPattern()
{
    thread_local const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_\\-|*@]{1,64}$"));
    return re;
}

/// A refusal, answered (signed) as `{code, message}` with its HTTP status.
struct Refusal
{
    int status;
    QLatin1String code;
    QString message;
};

[[noreturn]] void paramError(const QString &message)
{
    throw Refusal {400, code::paramError, message};
}

/// What an operation answers on success: a JSON object, or 204 without a body.
struct Reply
{
    int status = 200;
    QJsonObject body;
};

struct Order
{
    QJsonObject request; ///< the prepay body as received: the idempotency comparison
    QString appId;
    QString mchId;
    QString outTradeNo;
    QString description;
    QString notifyUrl;
    QString attach;
    QString openId;
    qint64 total = 0;
    qint64 createTime = 0;
    qint64 timeExpire = 0;
    QString prepayId;
    TradeState state = TradeState::NotPay;
    QString stateDesc;
    QString transactionId;
    qint64 successTime = 0;
    qint64 refunded = 0; ///< refunds SUCCESS or PROCESSING (and ABNORMAL): not refundable again
};

struct RefundRecord
{
    QString refundId;
    QString outRefundNo;
    QString outTradeNo;
    QString transactionId;
    qint64 refund = 0;
    qint64 total = 0;
    QString reason;
    QString notifyUrl;
    RefundStatus status = RefundStatus::Processing;
    qint64 createTime = 0;
    qint64 successTime = 0;
};

Transaction transactionOf(const Order &o)
{
    Transaction t;
    t.appId = o.appId;
    t.mchId = o.mchId;
    t.outTradeNo = o.outTradeNo;
    t.transactionId = o.transactionId;
    t.tradeState = o.state;
    t.tradeStateDesc = o.stateDesc;
    t.attach = o.attach;
    t.total = o.total;
    t.payerOpenId = o.openId;
    if (!o.transactionId.isEmpty()) {
        t.tradeType = QString(TradeTypeJsapi);
        t.bankType = QStringLiteral("OTHERS");
        t.successTime = QDateTime::fromSecsSinceEpoch(o.successTime, Qt::UTC);
        t.payerTotal = o.total;
    }
    return t;
}

Refund refundOf(const RefundRecord &r)
{
    Refund x;
    x.refundId = r.refundId;
    x.outRefundNo = r.outRefundNo;
    x.transactionId = r.transactionId;
    x.outTradeNo = r.outTradeNo;
    x.status = r.status;
    x.createTime = QDateTime::fromSecsSinceEpoch(r.createTime, Qt::UTC);
    if (r.successTime > 0)
        x.successTime = QDateTime::fromSecsSinceEpoch(r.successTime, Qt::UTC);
    x.channel = QStringLiteral("ORIGINAL");
    x.userReceivedAccount = QStringLiteral("支付用户零钱");
    x.refund = r.refund;
    x.total = r.total;
    x.payerRefund = r.refund;
    x.payerTotal = r.total;
    return x;
}

qint64 integerOf(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toInteger();
}

QString textOf(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toString();
}

QJsonObject orderToJson(const Order &o)
{
    return QJsonObject {
        {QStringLiteral("request"), o.request},
        {QStringLiteral("appid"), o.appId},
        {QStringLiteral("mchid"), o.mchId},
        {QStringLiteral("out_trade_no"), o.outTradeNo},
        {QStringLiteral("description"), o.description},
        {QStringLiteral("notify_url"), o.notifyUrl},
        {QStringLiteral("attach"), o.attach},
        {QStringLiteral("openid"), o.openId},
        {QStringLiteral("total"), o.total},
        {QStringLiteral("create_time"), o.createTime},
        {QStringLiteral("time_expire"), o.timeExpire},
        {QStringLiteral("prepay_id"), o.prepayId},
        {QStringLiteral("trade_state"), tradeStateName(o.state)},
        {QStringLiteral("trade_state_desc"), o.stateDesc},
        {QStringLiteral("transaction_id"), o.transactionId},
        {QStringLiteral("success_time"), o.successTime},
        {QStringLiteral("refunded"), o.refunded},
    };
}

std::optional<Order> orderFromJson(const QJsonObject &j)
{
    Order o;
    o.request = j.value(QLatin1String("request")).toObject();
    o.appId = textOf(j, "appid");
    o.mchId = textOf(j, "mchid");
    o.outTradeNo = textOf(j, "out_trade_no");
    o.description = textOf(j, "description");
    o.notifyUrl = textOf(j, "notify_url");
    o.attach = textOf(j, "attach");
    o.openId = textOf(j, "openid");
    o.total = integerOf(j, "total");
    o.createTime = integerOf(j, "create_time");
    o.timeExpire = integerOf(j, "time_expire");
    o.prepayId = textOf(j, "prepay_id");
    const auto state = tradeStateFromName(textOf(j, "trade_state"));
    if (o.outTradeNo.isEmpty() || o.prepayId.isEmpty() || !state)
        return std::nullopt;
    o.state = *state;
    o.stateDesc = textOf(j, "trade_state_desc");
    o.transactionId = textOf(j, "transaction_id");
    o.successTime = integerOf(j, "success_time");
    o.refunded = integerOf(j, "refunded");
    return o;
}

QJsonObject refundRecordToJson(const RefundRecord &r)
{
    return QJsonObject {
        {QStringLiteral("refund_id"), r.refundId},
        {QStringLiteral("out_refund_no"), r.outRefundNo},
        {QStringLiteral("out_trade_no"), r.outTradeNo},
        {QStringLiteral("transaction_id"), r.transactionId},
        {QStringLiteral("refund"), r.refund},
        {QStringLiteral("total"), r.total},
        {QStringLiteral("reason"), r.reason},
        {QStringLiteral("notify_url"), r.notifyUrl},
        {QStringLiteral("status"), refundStatusName(r.status)},
        {QStringLiteral("create_time"), r.createTime},
        {QStringLiteral("success_time"), r.successTime},
    };
}

std::optional<RefundRecord> refundRecordFromJson(const QJsonObject &j)
{
    RefundRecord r;
    r.refundId = textOf(j, "refund_id");
    r.outRefundNo = textOf(j, "out_refund_no");
    r.outTradeNo = textOf(j, "out_trade_no");
    r.transactionId = textOf(j, "transaction_id");
    r.refund = integerOf(j, "refund");
    r.total = integerOf(j, "total");
    r.reason = textOf(j, "reason");
    r.notifyUrl = textOf(j, "notify_url");
    const auto status = refundStatusFromName(textOf(j, "status"));
    if (r.outRefundNo.isEmpty() || !status)
        return std::nullopt;
    r.status = *status;
    r.createTime = integerOf(j, "create_time");
    r.successTime = integerOf(j, "success_time");
    return r;
}

// Record kinds in the store; the values are the JSON above.

/// The notification of the former `wechat.json` in SandboxNotifier's form: the content is what
/// the control routes show and the envelope, encrypted once (every attempt sends the same bytes).
SandboxNotice legacyNotice(const QJsonObject &j)
{
    SandboxNotice n;
    n.id = textOf(j, "id");
    n.url = textOf(j, "url");
    for (const char *key : {"event_type", "out_trade_no", "out_refund_no", "body"})
        n.content.insert(QLatin1String(key), textOf(j, key));
    n.state = sandbox::noticeStateFromName(textOf(j, "state"));
    n.attempts = j.value(QLatin1String("attempts")).toInt();
    n.createdMs = integerOf(j, "created_ms");
    n.dueMs = integerOf(j, "due_ms");
    n.lastError = textOf(j, "last_error");
    return n;
}

/// The records of the former whole-state file `wechat.json` (version 1).
QList<Record> legacyRecords(const QJsonObject &root)
{
    return legacyTradeRecords(root, QLatin1String("out_trade_no"), QLatin1String("out_refund_no"),
                              legacyNotice);
}

QString notifyRefusal(const HttpClientResponse &r)
{
    return r.status == 200 || r.status == 204 ? QString() : QStringLiteral("HTTP %1").arg(r.status);
}

HttpResponse controlError(int status, const QString &code, const QString &message)
{
    return controlAnswer(status, errorBody(code, message));
}

// ---- Field validation of requests ---------------------------------------------------------------

QString requireString(const QJsonObject &m, const char *key, qsizetype maxLength,
                      const QString &name = {})
{
    const QJsonValue v = m.value(QLatin1String(key));
    const QString label = name.isEmpty() ? QLatin1String(key) : name;
    if (v.isUndefined() || v.isNull())
        paramError(QStringLiteral("输入源“/body/") + label + QStringLiteral("”映射到值字段“")
                   + label + QStringLiteral("”必填性规则校验失败，此字段为必填项"));
    if (!v.isString() || v.toString().trimmed().isEmpty() || v.toString().size() > maxLength)
        paramError(QStringLiteral("字段“") + label + QStringLiteral("”格式或长度不正确"));
    return v.toString();
}

QString optionalString(const QJsonObject &m, const char *key, qsizetype maxLength)
{
    const QJsonValue v = m.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull())
        return {};
    if (!v.isString() || v.toString().size() > maxLength)
        paramError(QStringLiteral("字段“") + QLatin1String(key)
                   + QStringLiteral("”格式或长度不正确"));
    return v.toString();
}

qint64 requireAmount(const QJsonObject &amount, const char *key, const QString &name)
{
    const QJsonValue v = amount.value(QLatin1String(key));
    const double d = v.toDouble();
    if (!v.isDouble() || d != std::trunc(d) || d < MinAmount || d > MaxAmount)
        paramError(QStringLiteral("字段“") + name
                   + QStringLiteral("”不是有效的金额（整数，单位分）"));
    return v.toInteger();
}

void checkCurrency(const QJsonObject &amount)
{
    const QJsonValue c = amount.value(QLatin1String("currency"));
    if (!c.isUndefined() && c.toString() != CurrencyCny)
        paramError(QStringLiteral("币种只支持CNY"));
}

QString checkNotifyUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() || url.hasQuery() || url.hasFragment()
        || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        paramError(QStringLiteral("notify_url格式不正确（须为不带参数的http(s)地址）"));
    return text;
}

} // namespace

// ---- State --------------------------------------------------------------------------------------

struct WechatSandbox::State
{
    WechatSandboxOptions o;
    WechatSandboxKeyFiles keys;
    std::optional<crypto::RsaPublicKey> merchantPublicKey;
    QString merchantSerial;
    std::optional<crypto::RsaPrivateKey> platformKey;
    QString platformKeyId;
    QByteArray apiV3Key;

    /// A platform certificate the sandbox holds (certificate mode), newest last.
    struct PlatformCertificate
    {
        QString serial;
        crypto::RsaPrivateKey key;
        QByteArray pem;
        QDateTime notBefore;
        QDateTime notAfter;
    };
    /// Which key signs: the public key (`PUB_KEY_ID_…`, /v3/certificates 404) or the newest
    /// platform certificate. Under `mutex`; kept in the store (stagePlatformKeysLocked()).
    bool certificateMode = false;
    QList<PlatformCertificate> certificates;
    bool holdNotifications = false;
    struct HeldNotice
    {
        QString id;
        QString url;
        QJsonObject content;
    };
    QList<HeldNotice> held;

    mutable std::mutex mutex; // the maps and the queue below
    QHash<QString, Order> orders; // by out_trade_no
    QHash<QString, QString> byPrepay;
    QHash<QString, QString> byTransaction;
    QHash<QString, RefundRecord> refunds; // by out_refund_no
    std::deque<int> faults; // statuses to answer to the next protocol requests (not persisted)

    // Every change is staged under `mutex` and flushed before it is answered.
    SandboxStore store;
    SandboxNotifier notifier;

    explicit State(WechatSandboxOptions options);
    SandboxNotifierOptions notifierOptions() const;
    void loadKeys();
    void load();
    void apply(const QList<Record> &records);
    void saveOrderLocked(const Order &order)
    {
        store.stage(orderRecordKind(), order.outTradeNo, orderToJson(order));
    }
    void saveRefundLocked(const RefundRecord &r)
    {
        store.stage(refundRecordKind(), r.outRefundNo, refundRecordToJson(r));
    }
    void persist() { store.flush(); }

    using Operation = Reply (State::*)(const HttpRequest &, const Authorization &);
    HttpResponse protocol(const HttpRequest &request, Operation op, QLatin1String name);
    HttpResponse signedResponse(int status, const QByteArray &body) const;
    Reply opPrepay(const HttpRequest &request, const Authorization &auth);
    Reply opQuery(const HttpRequest &request, const Authorization &auth);
    Reply opQueryById(const HttpRequest &request, const Authorization &auth);
    Reply opClose(const HttpRequest &request, const Authorization &auth);
    Reply opRefund(const HttpRequest &request, const Authorization &auth);
    Reply opRefundQuery(const HttpRequest &request, const Authorization &auth);

    void expireIfDue(Order &order, qint64 now);
    void checkMchIdQuery(const HttpRequest &request, const Authorization &auth) const;
    QString enqueueLocked(QLatin1String eventType, const QString &summary, const QString &url,
                          const QByteArray &plaintext, const QString &originalType,
                          const QString &outTradeNo, const QString &outRefundNo);
    void settleRefundLocked(RefundRecord &refund, RefundStatus status, qint64 now);

    HttpResponse simulatePay(const HttpRequest &request);
    HttpResponse simulateRefund(const HttpRequest &request);
    HttpResponse simulateRefundMode(const HttpRequest &request);
    HttpResponse simulateFault(const HttpRequest &request);
    HttpResponse simulateRotateCertificate(const HttpRequest &request);
    HttpResponse simulateKeyMode(const HttpRequest &request);
    HttpResponse simulateNotifyHold(const HttpRequest &request);
    Reply opCertificates(const HttpRequest &request, const Authorization &auth);

    void loadCertificate();
    /// The key mode and the certificates held, as one SandboxStore record (kind platform-keys);
    /// the rotated certificates' keys are files in keysDir (0600), like the others.
    void stagePlatformKeysLocked();
    void applyPlatformKeysLocked(const QJsonObject &state);
    static PlatformCertificate newCertificate();
    /// The key and serial that sign now; @p serial: that key if still held (a queued notification
    /// keeps the key it was first signed with).
    std::pair<crypto::RsaPrivateKey, QString> signer(const QString &serial = {}) const;
    HttpResponse simulateNotifications(const HttpRequest &request) const;

    HttpClientRequest notifyRequest(const SandboxNotice &notice, int attempt) const;
    QList<WechatSandboxNotification> noticesOf(const QString &outTradeNo) const;
};

WechatSandbox::State::State(WechatSandboxOptions options)
    : o(std::move(options))
    // An unreadable state has always been set aside as wechat.json.corrupt-<seconds>: whoever
    // looks for it (people, the channel tests) finds the database there too.
    , store(inStateDir(o.stateDir, "wechat.db"), inStateDir(o.stateDir, "wechat.json"))
    , notifier(notifierOptions(), store)
{
    if (o.notifyScheduleMs.isEmpty())
        o.notifyScheduleMs = {0};
    if (o.keysDir.isEmpty() && !o.stateDir.isEmpty())
        o.keysDir = QDir(o.stateDir).filePath(QStringLiteral("wechat"));
    if (o.keysDir.isEmpty())
        throw Error(ErrorCode::Internal,
                    QStringLiteral("wechat sandbox: no directory for its keys"));
    if (!o.stateDir.isEmpty() && !QDir().mkpath(o.stateDir))
        qCWarning(lcSandbox).noquote() << "wechat sandbox: cannot create" << o.stateDir;
    loadKeys();
}

SandboxNotifierOptions WechatSandbox::State::notifierOptions() const
{
    SandboxNotifierOptions n;
    n.name = QStringLiteral("wechat sandbox");
    n.scheduleMs = o.notifyScheduleMs;
    n.threads = o.notifyThreads;
    n.request = [this](const SandboxNotice &notice, int attempt) {
        return notifyRequest(notice, attempt);
    };
    n.refusal = notifyRefusal;
    return n;
}

void WechatSandbox::State::loadKeys()
{
    keys = ensureWechatSandboxKeys(o.keysDir);
    auto read = [](const QString &path) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            throw Error(ErrorCode::Internal, QStringLiteral("wechat sandbox: cannot read ") + path);
        return f.readAll();
    };
    const QByteArray certificate = read(keys.merchantCertificate);
    merchantPublicKey = crypto::RsaPublicKey::fromCertificatePem(certificate);
    const auto serial = crypto::certificateSerialHex(certificate);
    platformKey = crypto::RsaPrivateKey::fromPem(read(keys.platformPrivateKey));
    platformKeyId = QString::fromLatin1(read(keys.platformKeyId).trimmed());
    apiV3Key = read(keys.apiV3Key).trimmed();
    if (!merchantPublicKey || !serial || !platformKey || platformKeyId.isEmpty()
        || apiV3Key.size() != ApiV3KeySize)
        throw Error(ErrorCode::Internal,
                    QStringLiteral("wechat sandbox: unusable key files in ") + o.keysDir
                        + QStringLiteral(" (delete them to regenerate)"));
    merchantSerial = *serial;
    loadCertificate();
}

WechatSandbox::State::PlatformCertificate WechatSandbox::State::newCertificate()
{
    const crypto::RsaKeyPairPem pair = crypto::generateRsaKeyPair(2048);
    const auto key = crypto::RsaPrivateKey::fromPem(pair.privateKeyPem);
    // 20 bytes, the top bits set so that the serial prints as 40 hex digits, as WeChat's do.
    QByteArray serial = crypto::randomBytes(20);
    serial[0] = char((static_cast<unsigned char>(serial[0]) & 0x3f) | 0x10);
    const QByteArray pem = crypto::selfSignedCertificatePem(
        *key, QStringLiteral("Tenpay.com Root CA (Pomelo Pay sandbox)"),
        QString::fromLatin1(serial.toHex().toUpper()), 5 * 365);
    const auto parsed = parseWechatPlatformCertificate(pem);
    if (!key || !parsed)
        throw Error(ErrorCode::Internal,
                    QStringLiteral("wechat sandbox: generated platform certificate is unusable"));
    return {parsed->serial, *key, pem, parsed->notBefore, parsed->notAfter};
}

namespace {

const QString &platformKeysRecordKind()
{
    static const QString kind = QStringLiteral("platform-keys");
    return kind;
}

QByteArray readOrEmpty(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writePrivate(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate,
                QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || f.write(bytes) != bytes.size())
        throw Error(ErrorCode::Internal, QStringLiteral("wechat sandbox: cannot write ") + path);
}

/// Where a rotated certificate and its key are kept (the first one: platform_certificate.pem).
QPair<QString, QString> rotatedCertificateFiles(const QString &keysDir, const QString &serial)
{
    const QDir dir(keysDir);
    return {dir.filePath(QStringLiteral("platform_certificate_%1.pem").arg(serial)),
            dir.filePath(QStringLiteral("platform_certificate_%1_key.pem").arg(serial))};
}

} // namespace

void WechatSandbox::State::stagePlatformKeysLocked()
{
    QJsonArray serials;
    for (const PlatformCertificate &c : std::as_const(certificates))
        serials.append(c.serial);
    store.stage(platformKeysRecordKind(), QStringLiteral("state"),
                {{QStringLiteral("mode"),
                  certificateMode ? QStringLiteral("certificate") : QStringLiteral("public_key")},
                 {QStringLiteral("certificates"), serials}});
}

void WechatSandbox::State::applyPlatformKeysLocked(const QJsonObject &state)
{
    certificateMode = state.value(QLatin1String("mode")).toString() == QLatin1String("certificate");
    const QList<PlatformCertificate> initial = certificates;
    QList<PlatformCertificate> restored;
    for (const QJsonValue &v : state.value(QLatin1String("certificates")).toArray()) {
        const QString serial = v.toString();
        if (!initial.isEmpty() && initial.first().serial == serial) {
            restored.append(initial.first());
            continue;
        }
        const auto [certPath, keyPath] = rotatedCertificateFiles(o.keysDir, serial);
        const QByteArray pem = readOrEmpty(certPath);
        const auto key = crypto::RsaPrivateKey::fromPem(readOrEmpty(keyPath));
        const auto parsed = parseWechatPlatformCertificate(pem);
        if (key && parsed && parsed->serial == serial)
            restored.append({serial, *key, pem, parsed->notBefore, parsed->notAfter});
    }
    if (!restored.isEmpty())
        certificates = restored;
}

void WechatSandbox::State::loadCertificate()
{
    // The first platform certificate is kept with the keys (0600), so that a server that
    // downloaded it still knows it after the sandbox restarts; rotated ones are files next to it,
    // listed (with the key mode) in the store.
    const QDir dir(o.keysDir);
    const QString keyPath = dir.filePath(QStringLiteral("platform_certificate_key.pem"));
    const QString certPath = dir.filePath(QStringLiteral("platform_certificate.pem"));
    QLockFile lock(dir.filePath(QStringLiteral(".certificate.lock")));
    if (!lock.tryLock(30000))
        throw Error(ErrorCode::Internal,
                    QStringLiteral("wechat sandbox: cannot lock ") + o.keysDir);
    auto read = [](const QString &path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    const auto key = crypto::RsaPrivateKey::fromPem(read(keyPath));
    const QByteArray pem = read(certPath);
    const auto parsed = parseWechatPlatformCertificate(pem);
    if (key && parsed) {
        certificates = {{parsed->serial, *key, pem, parsed->notBefore, parsed->notAfter}};
        return;
    }
    const PlatformCertificate c = newCertificate();
    for (const auto &[path, bytes] :
         {std::pair {keyPath, c.key.toPem()}, std::pair {certPath, c.pem}}) {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate,
                    QFileDevice::ReadOwner | QFileDevice::WriteOwner)
            || f.write(bytes) != bytes.size())
            throw Error(ErrorCode::Internal,
                        QStringLiteral("wechat sandbox: cannot write ") + path);
    }
    certificates = {c};
}

std::pair<crypto::RsaPrivateKey, QString> WechatSandbox::State::signer(const QString &serial) const
{
    std::lock_guard lock(mutex);
    if (!serial.isEmpty()) {
        if (serial == platformKeyId)
            return {*platformKey, platformKeyId};
        for (const PlatformCertificate &c : certificates) {
            if (c.serial == serial)
                return {c.key, c.serial};
        }
    }
    if (certificateMode && !certificates.isEmpty())
        return {certificates.last().key, certificates.last().serial};
    return {*platformKey, platformKeyId};
}

void WechatSandbox::State::load()
{
    QList<Record> records = store.loaded();
    records += importLegacyState(store, inStateDir(o.stateDir, "wechat.json"), LegacyStateVersion,
                                 legacyRecords);
    apply(records);
    const int resumed = notifier.restore(records);
    if (!records.isEmpty())
        qCInfo(lcSandbox).noquote()
            << "wechat sandbox: loaded" << orders.size() << "orders," << refunds.size()
            << "refunds," << resumed << "pending notifications from" << store.path();
}

void WechatSandbox::State::apply(const QList<Record> &records)
{
    std::lock_guard lock(mutex);
    for (const Record &r : records) {
        if (r.kind == orderRecordKind()) {
            if (auto order = orderFromJson(r.value)) {
                byPrepay.insert(order->prepayId, order->outTradeNo);
                if (!order->transactionId.isEmpty())
                    byTransaction.insert(order->transactionId, order->outTradeNo);
                orders.insert(order->outTradeNo, *order);
            }
        } else if (r.kind == refundRecordKind()) {
            if (auto refund = refundRecordFromJson(r.value))
                refunds.insert(refund->outRefundNo, *refund);
        } else if (r.kind == platformKeysRecordKind()) {
            applyPlatformKeysLocked(r.value);
        }
    }
}

HttpResponse WechatSandbox::State::signedResponse(int status, const QByteArray &body) const
{
    HttpResponse r;
    r.status = status;
    r.body = body;
    r.contentType = QByteArrayLiteral("application/json; charset=utf-8");
    const auto [key, serial] = signer();
    r.headers = toHeaderList(signAnswer(key, serial, body, nowSeconds()));
    r.headers.append({QByteArrayLiteral("Request-ID"),
                      QUuid::createUuid().toString(QUuid::WithoutBraces).toLatin1()});
    return r;
}

HttpResponse WechatSandbox::State::protocol(const HttpRequest &request, Operation op,
                                            QLatin1String name)
{
    auto refuse = [&](int status, const QString &errorCode, const QString &message) {
        qCInfo(lcSandbox).noquote()
            << "wechat sandbox ->" << name << status << errorCode << message;
        return signedResponse(
            status, QJsonDocument(errorBody(errorCode, message)).toJson(QJsonDocument::Compact));
    };
    // What the client signed: the path and query as they came on the wire.
    QUrl url;
    url.setPath(request.path);
    QString signedUrl = url.path(QUrl::FullyEncoded);
    if (!request.query.isEmpty())
        signedUrl += u'?' + request.query.query(QUrl::FullyEncoded);
    qCInfo(lcSandbox).noquote() << "wechat sandbox <-" << request.method << signedUrl;

    const auto auth = parseAuthorization(request.header(QByteArrayLiteral("Authorization")));
    if (!auth)
        return refuse(401, code::signError, QStringLiteral("Authorization头缺失或格式不正确"));
    const Verdict verdict =
        verifyRequest(*auth, request.method, signedUrl, request.body, *merchantPublicKey, o.mchId,
                      merchantSerial, nowSeconds(), o.timestampWindowSeconds);
    if (verdict != Verdict::Ok) {
        qCWarning(lcSandbox).noquote()
            << "wechat sandbox" << name << "refused:" << verdictName(verdict);
        return refuse(401, code::signError,
                      verdict == Verdict::Expired ? QStringLiteral("请求时间戳超出有效期")
                                                  : QStringLiteral("签名错误，请检查后再试"));
    }
    int fault = 0;
    {
        std::lock_guard lock(mutex);
        if (!faults.empty()) {
            fault = faults.front();
            faults.pop_front();
        }
    }
    if (fault) // answered outside the lock: signing takes it
        return fault == 429 ? refuse(429, code::rateLimitExceeded, QStringLiteral("频率超限"))
                            : refuse(fault, code::systemError, QStringLiteral("系统错误"));
    try {
        const Reply reply = (this->*op)(request, *auth);
        persist();
        notifier.wake(); // a refund that settled at once has a notification to send
        qCInfo(lcSandbox).noquote() << "wechat sandbox ->" << name << reply.status;
        return signedResponse(reply.status,
                              reply.status == 204
                                  ? QByteArray()
                                  : QJsonDocument(reply.body).toJson(QJsonDocument::Compact));
    } catch (const Refusal &refusal) {
        persist(); // an expiry may have happened on the way
        return refuse(refusal.status, refusal.code, refusal.message);
    } catch (const std::exception &e) {
        qCCritical(lcSandbox).noquote() << "wechat sandbox" << name << "failed:" << e.what();
        return refuse(500, code::systemError, QStringLiteral("系统错误"));
    }
}

void WechatSandbox::State::expireIfDue(Order &order, qint64 now)
{
    if ((order.state == TradeState::NotPay || order.state == TradeState::PayError)
        && now >= order.timeExpire) {
        order.state = TradeState::Closed;
        order.stateDesc = QStringLiteral("订单已关闭");
        saveOrderLocked(order);
        qCInfo(lcSandbox).noquote() << "wechat sandbox: order" << order.outTradeNo << "expired";
    }
}

void WechatSandbox::State::checkMchIdQuery(const HttpRequest &request,
                                           const Authorization &auth) const
{
    const QString mchId = request.query.queryItemValue(QStringLiteral("mchid"));
    if (mchId.isEmpty())
        paramError(QStringLiteral("输入源“/query/mchid”映射到值字段“商户号”必填性规则校验失败"));
    if (mchId != auth.mchId)
        throw Refusal {400, code::invalidRequest,
                       QStringLiteral("请求的mchid与Authorization不一致")};
}

Reply WechatSandbox::State::opPrepay(const HttpRequest &request, const Authorization &auth)
{
    const auto body = jsonObjectBody(request.body);
    if (!body)
        paramError(QStringLiteral("请求体不是合法的JSON对象"));
    const QJsonObject &m = *body;
    const QString appId = requireString(m, "appid", 32);
    const QString mchId = requireString(m, "mchid", 32);
    const QString description = requireString(m, "description", 127);
    const QString outTradeNo = requireString(m, "out_trade_no", 32);
    if (!outTradeNoPattern().match(outTradeNo).hasMatch())
        paramError(QStringLiteral("out_trade_no须为6-32位数字、大小写字母或_-|*"));
    const QString notifyUrl = checkNotifyUrl(requireString(m, "notify_url", 255));
    const QString attach = optionalString(m, "attach", 128);
    const QJsonValue amountValue = m.value(QLatin1String("amount"));
    if (!amountValue.isObject())
        paramError(QStringLiteral("字段“amount”必填且须为对象"));
    const qint64 total =
        requireAmount(amountValue.toObject(), "total", QStringLiteral("amount.total"));
    checkCurrency(amountValue.toObject());
    const QJsonValue payerValue = m.value(QLatin1String("payer"));
    if (!payerValue.isObject())
        paramError(QStringLiteral("字段“payer”必填且须为对象"));
    const QString openId =
        requireString(payerValue.toObject(), "openid", 128, QStringLiteral("payer.openid"));
    const QString timeExpireText = optionalString(m, "time_expire", 64);
    const qint64 now = nowSeconds();
    std::optional<qint64> timeExpire;
    if (!timeExpireText.isEmpty()) {
        const QDateTime t = parseTime(timeExpireText);
        if (!t.isValid())
            paramError(QStringLiteral("time_expire须为RFC 3339格式，如2018-06-08T10:34:56+08:00"));
        timeExpire = t.toSecsSinceEpoch();
    }
    if (mchId != auth.mchId)
        throw Refusal {400, code::invalidRequest,
                       QStringLiteral("请求的mchid与Authorization不一致")};
    if (appId != o.appId)
        throw Refusal {400, QLatin1String("APPID_MCHID_NOT_MATCH"),
                       QStringLiteral("appid和mch_id不匹配")};

    std::lock_guard lock(mutex);
    if (auto it = orders.find(outTradeNo); it != orders.end()) {
        Order &order = it.value();
        // The same body again (a client retry) is the same order; anything else is refused.
        if (order.request != m)
            throw Refusal {400, code::invalidRequest, QStringLiteral("商户订单号重复")};
        expireIfDue(order, now);
        if (order.state == TradeState::Success || order.state == TradeState::Refund)
            throw Refusal {400, code::orderPaid, QStringLiteral("该订单已支付")};
        if (order.state == TradeState::Closed)
            throw Refusal {400, code::orderClosed, QStringLiteral("订单已关闭")};
        return {200, QJsonObject {{QStringLiteral("prepay_id"), order.prepayId}}};
    }
    if (timeExpire && (*timeExpire <= now || *timeExpire > now + MaxExpirySeconds))
        paramError(QStringLiteral("time_expire须晚于当前时间且不超过7天"));
    Order order;
    order.request = m;
    order.appId = appId;
    order.mchId = mchId;
    order.outTradeNo = outTradeNo;
    order.description = description;
    order.notifyUrl = notifyUrl;
    order.attach = attach;
    order.openId = openId;
    order.total = total;
    order.createTime = now;
    order.timeExpire = timeExpire.value_or(now + o.defaultExpirySeconds);
    order.stateDesc = QStringLiteral("订单未支付");
    do {
        order.prepayId = QStringLiteral("wx") + beijingSerialTime()
            + QString::fromLatin1(crypto::randomBytes(11).toHex());
    } while (byPrepay.contains(order.prepayId));
    orders.insert(outTradeNo, order);
    byPrepay.insert(order.prepayId, outTradeNo);
    saveOrderLocked(order);
    qCInfo(lcSandbox).noquote() << "wechat sandbox: prepay" << outTradeNo << formatYuan(total)
                                << "->" << order.prepayId;
    return {200, QJsonObject {{QStringLiteral("prepay_id"), order.prepayId}}};
}

Reply WechatSandbox::State::opQuery(const HttpRequest &request, const Authorization &auth)
{
    checkMchIdQuery(request, auth);
    std::lock_guard lock(mutex);
    auto it = orders.find(request.pathParams.value(QStringLiteral("no")));
    if (it == orders.end())
        throw Refusal {404, code::orderNotExist, QStringLiteral("订单不存在")};
    expireIfDue(*it, nowSeconds());
    return {200, transactionToJson(transactionOf(*it))};
}

Reply WechatSandbox::State::opQueryById(const HttpRequest &request, const Authorization &auth)
{
    checkMchIdQuery(request, auth);
    std::lock_guard lock(mutex);
    const QString outTradeNo = byTransaction.value(request.pathParams.value(QStringLiteral("id")));
    auto it = orders.find(outTradeNo);
    if (outTradeNo.isEmpty() || it == orders.end())
        throw Refusal {404, code::orderNotExist, QStringLiteral("订单不存在")};
    return {200, transactionToJson(transactionOf(*it))};
}

Reply WechatSandbox::State::opClose(const HttpRequest &request, const Authorization &auth)
{
    const auto body = jsonObjectBody(request.body);
    if (!body)
        paramError(QStringLiteral("请求体不是合法的JSON对象"));
    if (requireString(*body, "mchid", 32) != auth.mchId)
        throw Refusal {400, code::invalidRequest,
                       QStringLiteral("请求的mchid与Authorization不一致")};
    std::lock_guard lock(mutex);
    auto it = orders.find(request.pathParams.value(QStringLiteral("no")));
    if (it == orders.end())
        throw Refusal {404, code::orderNotExist, QStringLiteral("订单不存在")};
    Order &order = it.value();
    expireIfDue(order, nowSeconds());
    switch (order.state) {
    case TradeState::Success:
    case TradeState::Refund:
        throw Refusal {400, code::orderPaid, QStringLiteral("订单已支付，不能关闭")};
    case TradeState::Closed:
    case TradeState::Revoked:
        break; // closing twice succeeds: a client may retry a close whose answer it lost
    case TradeState::NotPay:
    case TradeState::UserPaying:
    case TradeState::PayError:
    case TradeState::Accept:
        order.state = TradeState::Closed;
        order.stateDesc = QStringLiteral("订单已关闭");
        saveOrderLocked(order);
        break;
    }
    return {204, {}};
}

Reply WechatSandbox::State::opRefund(const HttpRequest &request, const Authorization &)
{
    const auto body = jsonObjectBody(request.body);
    if (!body)
        paramError(QStringLiteral("请求体不是合法的JSON对象"));
    const QJsonObject &m = *body;
    const QString outTradeNoField = optionalString(m, "out_trade_no", 32);
    const QString transactionIdField = optionalString(m, "transaction_id", 32);
    if (outTradeNoField.isEmpty() && transactionIdField.isEmpty())
        paramError(QStringLiteral("transaction_id和out_trade_no必须二选一"));
    const QString outRefundNo = requireString(m, "out_refund_no", 64);
    if (!outRefundNoPattern().match(outRefundNo).hasMatch())
        paramError(QStringLiteral("out_refund_no须为1-64位数字、大小写字母或_-|*@"));
    const QString reason = optionalString(m, "reason", 80);
    QString notifyUrl = optionalString(m, "notify_url", 256);
    if (!notifyUrl.isEmpty())
        checkNotifyUrl(notifyUrl);
    const QJsonValue amountValue = m.value(QLatin1String("amount"));
    if (!amountValue.isObject())
        paramError(QStringLiteral("字段“amount”必填且须为对象"));
    const qint64 refund =
        requireAmount(amountValue.toObject(), "refund", QStringLiteral("amount.refund"));
    const qint64 total =
        requireAmount(amountValue.toObject(), "total", QStringLiteral("amount.total"));
    checkCurrency(amountValue.toObject());
    const qint64 now = nowSeconds();

    std::lock_guard lock(mutex);
    const QString outTradeNo =
        outTradeNoField.isEmpty() ? byTransaction.value(transactionIdField) : outTradeNoField;
    if (auto it = refunds.find(outRefundNo); it != refunds.end()) {
        // The same out_refund_no: the same refund, in its current state, never a second one.
        if (it->outTradeNo != outTradeNo || it->refund != refund || it->total != total)
            throw Refusal {400, code::invalidRequest,
                           QStringLiteral("商户退款单号已存在，且退款金额或订单与之前请求不一致")};
        return {200, refundToJson(refundOf(*it))};
    }
    auto orderIt = orders.find(outTradeNo);
    if (outTradeNo.isEmpty() || orderIt == orders.end())
        throw Refusal {404, code::resourceNotExists, QStringLiteral("订单不存在")};
    Order &order = orderIt.value();
    expireIfDue(order, now);
    if (order.state != TradeState::Success && order.state != TradeState::Refund)
        throw Refusal {400, code::invalidRequest, QStringLiteral("订单未支付，不能退款")};
    if (total != order.total)
        paramError(QStringLiteral("订单金额与实际支付金额不符"));
    if (refund > order.total - order.refunded)
        paramError(QStringLiteral("申请退款金额超过订单可退金额"));

    RefundRecord r;
    do {
        r.refundId = QStringLiteral("50") + randomDigits(27);
    } while (std::any_of(refunds.cbegin(), refunds.cend(),
                         [&r](const RefundRecord &x) { return x.refundId == r.refundId; }));
    r.outRefundNo = outRefundNo;
    r.outTradeNo = outTradeNo;
    r.transactionId = order.transactionId;
    r.refund = refund;
    r.total = total;
    r.reason = reason;
    r.notifyUrl = notifyUrl;
    r.createTime = now;
    order.refunded += refund;
    saveOrderLocked(order);
    RefundRecord &stored = *refunds.insert(outRefundNo, r);
    saveRefundLocked(stored);
    qCInfo(lcSandbox).noquote() << "wechat sandbox: refund" << outRefundNo << formatYuan(refund)
                                << "of" << outTradeNo;
    if (o.refundsSettleAtOnce)
        settleRefundLocked(stored, RefundStatus::Success, now);
    return {200, refundToJson(refundOf(stored))};
}

Reply WechatSandbox::State::opRefundQuery(const HttpRequest &request, const Authorization &)
{
    std::lock_guard lock(mutex);
    auto it = refunds.find(request.pathParams.value(QStringLiteral("no")));
    if (it == refunds.end())
        throw Refusal {404, code::resourceNotExists, QStringLiteral("退款单不存在")};
    return {200, refundToJson(refundOf(*it))};
}

void WechatSandbox::State::settleRefundLocked(RefundRecord &r, RefundStatus status, qint64 now)
{
    r.status = status;
    auto orderIt = orders.find(r.outTradeNo);
    if (status == RefundStatus::Success) {
        r.successTime = now;
        if (orderIt != orders.end()) {
            orderIt->state = TradeState::Refund;
            orderIt->stateDesc = QStringLiteral("订单发生过退款");
        }
    } else if (status == RefundStatus::Closed && orderIt != orders.end()) {
        orderIt->refunded -= r.refund; // the money stays with the merchant: refundable again
    }
    saveRefundLocked(r);
    if (orderIt != orders.end())
        saveOrderLocked(*orderIt);
    if (r.notifyUrl.isEmpty())
        return;
    QLatin1String eventType = event::refundSuccess;
    QString summary = QStringLiteral("退款成功");
    if (status == RefundStatus::Closed) {
        eventType = event::refundClosed;
        summary = QStringLiteral("退款关闭");
    } else if (status == RefundStatus::Abnormal) {
        eventType = event::refundAbnormal;
        summary = QStringLiteral("退款异常");
    }
    const QByteArray plaintext =
        QJsonDocument(refundToJson(refundOf(r), true, o.mchId)).toJson(QJsonDocument::Compact);
    enqueueLocked(eventType, summary, r.notifyUrl, plaintext, QStringLiteral("refund"),
                  r.outTradeNo, r.outRefundNo);
}

QString WechatSandbox::State::enqueueLocked(QLatin1String eventType, const QString &summary,
                                            const QString &url, const QByteArray &plaintext,
                                            const QString &originalType, const QString &outTradeNo,
                                            const QString &outRefundNo)
{
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    NotificationEnvelope e;
    e.id = id;
    e.createTime = formatTime(QDateTime::currentDateTimeUtc());
    e.eventType = eventType;
    e.summary = summary;
    e.resource = encryptResource(apiV3Key, plaintext, originalType, originalType);
    // Encrypted once: every attempt sends the same bytes (signed per attempt).
    // The key that signs now signs every attempt (mutex is held: no signer() here).
    const QString signerSerial =
        certificateMode && !certificates.isEmpty() ? certificates.last().serial : platformKeyId;
    const QJsonObject content {
        {QStringLiteral("event_type"), QString(eventType)},
        {QStringLiteral("out_trade_no"), outTradeNo},
        {QStringLiteral("out_refund_no"), outRefundNo},
        {QStringLiteral("signer"), signerSerial},
        {QStringLiteral("body"),
         QString::fromUtf8(QJsonDocument(envelopeToJson(e)).toJson(QJsonDocument::Compact))},
    };
    if (holdNotifications)
        held.append({id, url, content});
    else
        notifier.enqueue(id, url, content);
    return id;
}

HttpResponse WechatSandbox::State::simulatePay(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    if (!body)
        return controlError(400, code::paramError, QStringLiteral("JSON object expected"));
    const QString result = body->value(QLatin1String("result")).toString();
    const bool success = result == QLatin1String("SUCCESS");
    if (!success && result != QLatin1String("PAYERROR"))
        return controlError(400, code::paramError,
                            QStringLiteral("result must be SUCCESS or PAYERROR"));
    const QString prepayId = body->value(QLatin1String("prepayId")).toString();
    QJsonObject answer;
    std::optional<HttpResponse> refused;
    {
        std::lock_guard lock(mutex);
        const auto id = byPrepay.constFind(prepayId);
        if (prepayId.isEmpty() || id == byPrepay.cend())
            return controlError(404, code::orderNotExist, QStringLiteral("unknown prepayId"));
        Order &order = orders[id.value()];
        const qint64 now = nowSeconds();
        expireIfDue(order, now);
        // `late`: WeChat takes a payment for an order it has just closed (the user's payment
        // raced the merchant's close). Rare, but the platform must then refund: this lets a test
        // show it.
        const bool late = success && order.state == TradeState::Closed
            && body->value(QLatin1String("late")).toBool();
        if (!late && order.state != TradeState::NotPay && order.state != TradeState::PayError
            && order.state != TradeState::UserPaying) {
            refused = controlError(409,
                                   order.state == TradeState::Closed ? QString(code::orderClosed)
                                                                     : QString(code::orderPaid),
                                   QStringLiteral("order is ") + tradeStateName(order.state));
        } else if (success) {
            order.state = TradeState::Success;
            order.stateDesc = QStringLiteral("支付成功");
            order.successTime = now;
            order.transactionId = QStringLiteral("4200") + randomDigits(24);
            byTransaction.insert(order.transactionId, order.outTradeNo);
            saveOrderLocked(order);
            const QString notificationId = enqueueLocked(
                event::transactionSuccess, QStringLiteral("支付成功"), order.notifyUrl,
                QJsonDocument(transactionToJson(transactionOf(order)))
                    .toJson(QJsonDocument::Compact),
                QStringLiteral("transaction"), order.outTradeNo, {});
            answer.insert(QStringLiteral("transactionId"), order.transactionId);
            answer.insert(QStringLiteral("notificationId"), notificationId);
        } else {
            // WeChat notifies successful payments only: a failed attempt is seen by querying.
            order.state = TradeState::PayError;
            order.stateDesc = QStringLiteral("支付失败，请重新下单支付");
            saveOrderLocked(order);
        }
        if (!refused) {
            answer.insert(QStringLiteral("outTradeNo"), order.outTradeNo);
            answer.insert(QStringLiteral("prepayId"), order.prepayId);
            answer.insert(QStringLiteral("tradeState"), tradeStateName(order.state));
            qCInfo(lcSandbox).noquote() << "wechat sandbox: user paid" << order.outTradeNo << "->"
                                        << tradeStateName(order.state);
        }
    }
    persist();
    if (refused)
        return *refused;
    notifier.wake();
    return controlAnswer(200, answer);
}

HttpResponse WechatSandbox::State::simulateRefund(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    if (!body)
        return controlError(400, code::paramError, QStringLiteral("JSON object expected"));
    const auto status = refundStatusFromName(body->value(QLatin1String("result")).toString());
    if (!status || *status == RefundStatus::Processing)
        return controlError(400, code::paramError,
                            QStringLiteral("result must be SUCCESS, CLOSED or ABNORMAL"));
    QJsonObject answer;
    {
        std::lock_guard lock(mutex);
        auto it = refunds.find(body->value(QLatin1String("outRefundNo")).toString());
        if (it == refunds.end())
            return controlError(404, code::resourceNotExists,
                                QStringLiteral("unknown outRefundNo"));
        if (it->status != RefundStatus::Processing)
            return controlError(409, code::invalidRequest,
                                QStringLiteral("refund is ") + refundStatusName(it->status));
        settleRefundLocked(*it, *status, nowSeconds());
        answer = refundToJson(refundOf(*it));
    }
    persist();
    notifier.wake();
    return controlAnswer(200, answer);
}

HttpResponse WechatSandbox::State::simulateRefundMode(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    const QString mode = body ? body->value(QLatin1String("mode")).toString() : QString();
    if (mode != QLatin1String("SUCCESS") && mode != QLatin1String("PROCESSING"))
        return controlError(400, code::paramError,
                            QStringLiteral("mode must be SUCCESS (settle at once) or PROCESSING"));
    std::lock_guard lock(mutex);
    o.refundsSettleAtOnce = mode == QLatin1String("SUCCESS");
    return controlAnswer(200, {{QStringLiteral("mode"), mode}});
}

HttpResponse WechatSandbox::State::simulateFault(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    const int status = body ? body->value(QLatin1String("status")).toInt() : 0;
    const int count = body ? body->value(QLatin1String("count")).toInt(1) : 0;
    if ((status != 429 && status != 500 && status != 503) || count < 1 || count > 100)
        return controlError(400, code::paramError,
                            QStringLiteral("status 429, 500 or 503 and count 1..100 expected"));
    std::lock_guard lock(mutex);
    for (int i = 0; i < count; ++i)
        faults.push_back(status);
    return controlAnswer(200, {{QStringLiteral("queued"), int(faults.size())}});
}

Reply WechatSandbox::State::opCertificates(const HttpRequest &, const Authorization &)
{
    std::lock_guard lock(mutex);
    if (!certificateMode)
        throw Refusal {404, code::resourceNotExists,
                       QStringLiteral("商户无可用的平台证书，请使用微信支付公钥验签")};
    QJsonArray data;
    for (const PlatformCertificate &c : std::as_const(certificates)) {
        const EncryptedResource r = encryptResource(apiV3Key, c.pem, QStringLiteral("certificate"),
                                                    QStringLiteral("certificate"));
        data.append(QJsonObject {
            {QStringLiteral("serial_no"), c.serial},
            {QStringLiteral("effective_time"), formatTime(c.notBefore)},
            {QStringLiteral("expire_time"), formatTime(c.notAfter)},
            {QStringLiteral("encrypt_certificate"),
             QJsonObject {{QStringLiteral("algorithm"), r.algorithm},
                          {QStringLiteral("nonce"), r.nonce},
                          {QStringLiteral("associated_data"), r.associatedData},
                          {QStringLiteral("ciphertext"), r.ciphertext}}},
        });
    }
    return {200, {{QStringLiteral("data"), data}}};
}

HttpResponse WechatSandbox::State::simulateRotateCertificate(const HttpRequest &)
{
    const PlatformCertificate fresh = newCertificate(); // slow: outside the lock
    const auto [certPath, keyPath] = rotatedCertificateFiles(o.keysDir, fresh.serial);
    writePrivate(keyPath, fresh.key.toPem());
    writePrivate(certPath, fresh.pem);
    std::unique_lock lock(mutex);
    const QString previous = certificates.isEmpty() ? QString() : certificates.last().serial;
    certificates.append(fresh);
    // The old ones stay valid and listed for a while, as at WeChat; a few are enough here.
    while (certificates.size() > 4)
        certificates.removeFirst();
    QJsonArray serials;
    for (const PlatformCertificate &c : std::as_const(certificates))
        serials.append(c.serial);
    stagePlatformKeysLocked();
    lock.unlock();
    persist();
    qCInfo(lcSandbox).noquote() << "wechat sandbox: platform certificate rotated" << previous
                                << "->" << fresh.serial;
    return controlAnswer(200,
                         {{QStringLiteral("serial"), fresh.serial},
                          {QStringLiteral("previous"), previous},
                          {QStringLiteral("serials"), serials}});
}

HttpResponse WechatSandbox::State::simulateKeyMode(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    const QString mode = body ? body->value(QLatin1String("mode")).toString() : QString();
    if (mode != QLatin1String("certificate") && mode != QLatin1String("public_key"))
        return controlError(400, code::paramError,
                            QStringLiteral("mode must be certificate or public_key"));
    std::unique_lock lock(mutex);
    certificateMode = mode == QLatin1String("certificate");
    const QString serial = certificateMode ? certificates.last().serial : platformKeyId;
    stagePlatformKeysLocked();
    lock.unlock();
    persist();
    qCInfo(lcSandbox).noquote() << "wechat sandbox: signing in" << mode << "mode with" << serial;
    return controlAnswer(200, {{QStringLiteral("mode"), mode}, {QStringLiteral("serial"), serial}});
}

HttpResponse WechatSandbox::State::simulateNotifyHold(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    if (!body || !body->value(QLatin1String("hold")).isBool())
        return controlError(400, code::paramError,
                            QStringLiteral("{\"hold\": true|false} expected"));
    QList<HeldNotice> release;
    {
        std::lock_guard lock(mutex);
        holdNotifications = body->value(QLatin1String("hold")).toBool();
        if (!holdNotifications)
            release.swap(held);
    }
    for (const HeldNotice &n : std::as_const(release))
        notifier.enqueue(n.id, n.url, n.content);
    persist();
    notifier.wake();
    std::lock_guard lock(mutex);
    return controlAnswer(200,
                         {{QStringLiteral("hold"), holdNotifications},
                          {QStringLiteral("held"), int(held.size())},
                          {QStringLiteral("released"), int(release.size())}});
}

QList<WechatSandboxNotification> WechatSandbox::State::noticesOf(const QString &outTradeNo) const
{
    QList<WechatSandboxNotification> out;
    const QList<SandboxNotice> all = notifier.notices();
    for (const SandboxNotice &n : all) {
        const QJsonObject &c = n.content;
        const QString trade = textOf(c, "out_trade_no");
        if (!outTradeNo.isEmpty() && trade != outTradeNo)
            continue;
        out.append({n.id, textOf(c, "event_type"), trade, textOf(c, "out_refund_no"),
                    sandbox::noticeStateName(n.state), n.attempts, n.lastError,
                    textOf(c, "signer")});
    }
    return out;
}

HttpResponse WechatSandbox::State::simulateNotifications(const HttpRequest &request) const
{
    const QList<WechatSandboxNotification> list =
        noticesOf(request.query.queryItemValue(QStringLiteral("outTradeNo")));
    QJsonArray items;
    for (const WechatSandboxNotification &n : std::as_const(list)) {
        items.append(QJsonObject {
            {QStringLiteral("id"), n.id},
            {QStringLiteral("eventType"), n.eventType},
            {QStringLiteral("outTradeNo"), n.outTradeNo},
            {QStringLiteral("outRefundNo"), n.outRefundNo},
            {QStringLiteral("state"), n.state},
            {QStringLiteral("attempts"), n.attempts},
            {QStringLiteral("lastError"), n.lastError},
            {QStringLiteral("signer"), n.signer},
        });
    }
    return controlAnswer(200, {{QStringLiteral("notifications"), items}});
}

HttpClientRequest WechatSandbox::State::notifyRequest(const SandboxNotice &notice,
                                                      int attempt) const
{
    const QByteArray body = textOf(notice.content, "body").toUtf8();
    // Signed per attempt: a fresh timestamp keeps late retries inside the receiver's window.
    HttpClientRequest req;
    req.method = QByteArrayLiteral("POST");
    req.url = QUrl(notice.url);
    req.body = body;
    const auto [key, serial] = signer(textOf(notice.content, "signer"));
    req.headers = toHeaderList(signAnswer(key, serial, body, nowSeconds()));
    req.headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json; charset=utf-8")});
    req.headers.append({QByteArrayLiteral("User-Agent"), QByteArrayLiteral("Mozilla/4.0")});
    req.timeoutMs = o.notifyTimeoutMs;
    req.spanName = QStringLiteral("wechat sandbox notify");
    qCInfo(lcSandbox).noquote() << "wechat sandbox notify ->" << req.url.host() + req.url.path()
                                << notice.id << "attempt" << attempt;
    return req;
}

// ---- Options ------------------------------------------------------------------------------------

QList<qint64> WechatSandboxOptions::defaultNotifyScheduleMs()
{
    constexpr qint64 s = 1000, m = 60 * s, h = 60 * m;
    return {0,      15 * s, 15 * s, 30 * s, 3 * m, 10 * m, 20 * m, 30 * m,
            30 * m, 30 * m, 60 * m, 3 * h,  3 * h, 3 * h,  6 * h,  6 * h};
}

WechatSandboxOptions WechatSandboxOptions::fromConfig(const Config &config)
{
    WechatSandboxOptions o;
    o.mchId = config.wechatMchId();
    o.appId = config.wechatAppId();
    o.stateDir = QDir(config.dataDir()).filePath(QStringLiteral("sandbox"));
    o.keysDir = WechatSandboxKeyFiles::directoryFor(config.dataDir());
    return o;
}

WechatSandboxKeyFiles wechatsandbox::ensureKeys(const QString &dataDir)
{
    return ensureWechatSandboxKeys(WechatSandboxKeyFiles::directoryFor(dataDir));
}

// ---- WechatSandbox ------------------------------------------------------------------------------

WechatSandbox::WechatSandbox(WechatSandboxOptions options)
    : d(std::make_unique<State>(std::move(options)))
{
    d->load();
    d->notifier.start();
}

WechatSandbox::~WechatSandbox()
{
    d->notifier.stop();
    d->persist(); // attempts that ended during the stop
}

const WechatSandboxOptions &WechatSandbox::options() const
{
    return d->o;
}

QString WechatSandbox::stateFilePath() const
{
    return d->store.path();
}

const WechatSandboxKeyFiles &WechatSandbox::keyFiles() const
{
    return d->keys;
}

WechatClientOptions WechatSandbox::clientOptions(const QUrl &baseUrl) const
{
    return WechatClientOptions::forSandbox(d->o.keysDir, baseUrl, d->o.mchId, d->o.appId);
}

QList<WechatSandboxNotification> WechatSandbox::notifications(const QString &outTradeNo) const
{
    return d->noticesOf(outTradeNo);
}

int WechatSandbox::pendingNotifications() const
{
    return d->notifier.pendingCount();
}

int WechatSandbox::orderCount() const
{
    std::lock_guard lock(d->mutex);
    return int(d->orders.size());
}

int WechatSandbox::refundCount() const
{
    std::lock_guard lock(d->mutex);
    return int(d->refunds.size());
}

void WechatSandbox::addRoutes(Router &router, State *state,
                              std::shared_ptr<WechatSandbox> keepAlive)
{
    const QString prefix = state->o.pathPrefix;
    auto endpoint = [&](const char *method, const char *path, State::Operation op) {
        const QLatin1String name(path);
        router.add(method, prefix + name, HandlerMode::Blocking,
                   [state, keepAlive, op, name](const HttpRequest &r) {
                       return state->protocol(r, op, name);
                   });
    };
    endpoint("POST", "/v3/pay/transactions/jsapi", &State::opPrepay);
    endpoint("GET", "/v3/pay/transactions/out-trade-no/{no}", &State::opQuery);
    endpoint("POST", "/v3/pay/transactions/out-trade-no/{no}/close", &State::opClose);
    endpoint("GET", "/v3/pay/transactions/id/{id}", &State::opQueryById);
    endpoint("POST", "/v3/refund/domestic/refunds", &State::opRefund);
    endpoint("GET", "/v3/refund/domestic/refunds/{no}", &State::opRefundQuery);
    endpoint("GET", "/v3/certificates", &State::opCertificates);

    auto control = [&](const char *method, const char *path,
                       HttpResponse (State::*handler)(const HttpRequest &)) {
        router.add(
            method, prefix + QLatin1String(path), HandlerMode::Blocking,
            [state, keepAlive, handler](const HttpRequest &r) { return (state->*handler)(r); });
    };
    control("POST", "/simulate/pay", &State::simulatePay);
    control("POST", "/simulate/refund", &State::simulateRefund);
    control("POST", "/simulate/refund-mode", &State::simulateRefundMode);
    control("POST", "/simulate/fault", &State::simulateFault);
    control("POST", "/simulate/rotate-certificate", &State::simulateRotateCertificate);
    control("POST", "/simulate/key-mode", &State::simulateKeyMode);
    control("POST", "/simulate/notify-hold", &State::simulateNotifyHold);
    router.add(
        "GET", prefix + QStringLiteral("/simulate/notifications"), HandlerMode::Blocking,
        [state, keepAlive](const HttpRequest &r) { return state->simulateNotifications(r); });
}

void WechatSandbox::registerRoutes(Router &router)
{
    addRoutes(router, d.get(), nullptr);
}

std::shared_ptr<WechatSandbox> WechatSandbox::mount(Router &router, WechatSandboxOptions options)
{
    if (options.mchId.isEmpty() || options.appId.isEmpty()
        || (options.stateDir.isEmpty() && options.keysDir.isEmpty())) {
        qCWarning(lcSandbox) << "wechat pay sandbox not mounted: wechat.mch_id, wechat.app_id or "
                                "the data directory is missing";
        return nullptr;
    }
    std::shared_ptr<WechatSandbox> sandbox;
    try {
        sandbox = std::make_shared<WechatSandbox>(std::move(options));
    } catch (const Error &e) {
        qCCritical(lcSandbox).noquote() << "wechat pay sandbox not mounted:" << e.detail();
        return nullptr;
    }
    addRoutes(router, sandbox->d.get(), sandbox);
    qCInfo(lcSandbox).noquote() << "wechat pay sandbox mounted at" << sandbox->options().pathPrefix
                                << "mchid" << sandbox->options().mchId << "keys in"
                                << sandbox->options().keysDir;
    return sandbox;
}

} // namespace pomelo
