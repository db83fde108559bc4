#include "topupservice.h"

#include "domain/errors.h"
#include "domain/money.h"
#include "domain/snowflake.h"
#include "redis/delayedqueue.h"
#include "redis/rediskeys.h"
#include "storage/userrepository.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"
#include "workers/pushnotifier.h"

#include <QDateTime>

namespace pomelo {

using namespace std::chrono_literals;

namespace {

constexpr QLatin1String StepPrefix("step:");
constexpr QLatin1String ExpirePrefix("expire:");

/// How often a failed query or refund call is tried again.
constexpr std::chrono::milliseconds SettleRetry = 30s;

QString utilityLabel(const QString &utility)
{
    return utility == QLatin1String("WATER") ? QStringLiteral("水费") : QStringLiteral("电费");
}

QByteArray stepId(qint64 id)
{
    return QByteArray(StepPrefix.data()) + QByteArray::number(id);
}

QByteArray expireId(qint64 id)
{
    return QByteArray(ExpirePrefix.data()) + QByteArray::number(id);
}

/// Delivery attempts by outcome: delivered, retry (failed, tried again), refused (for good),
/// given_up (the deadline passed). Alert: PomeloTopupDeliveriesGivenUp.
prometheus::Counter &deliveries(const char *outcome)
{
    return Metrics::instance()
        .counterFamily("pomelo_topup_deliveries_total",
                       "Delivery attempts of utility top-ups to the utility system, by outcome")
        .Add({{"outcome", outcome}});
}

Utility utilityOf(const Topup &t)
{
    return utilityFromName(t.utility).value_or(Utility::Electricity);
}

} // namespace

TopupOptions TopupOptions::fromConfig(const Config &config)
{
    TopupOptions o;
    o.appId = config.topupAppId();
    o.minAmount = config.topupMinAmount();
    o.maxAmount = config.topupMaxAmount();
    o.presets = config.topupPresets();
    o.expiry = std::chrono::seconds(config.topupExpirySeconds());
    o.deliveryDeadline = std::chrono::minutes(config.topupDeliveryDeadlineMinutes());
    o.retrySchedule.clear();
    for (const int s : config.topupDeliveryRetrySeconds())
        o.retrySchedule.append(std::chrono::seconds(s));
    o.lowElectricity = config.topupLowBalanceElectricity();
    o.lowWater = config.topupLowBalanceWater();
    return o;
}

TopupService::TopupService(const ServerContext &context, DelayedQueue &queue, TopupOptions options)
    : m_ctx(context)
    , m_queue(queue)
    , m_options(std::move(options))
    , m_pay(context, m_options.appId, QStringLiteral("topup.app_id"))
{
    // Every outcome shows in /metrics from the start, at 0: an alert can increase() it at once.
    for (const char *outcome : {"delivered", "retry", "refused", "given_up"})
        deliveries(outcome);
}

UtilityClient TopupService::utility() const
{
    return UtilityClient(UtilityClientOptions::fromConfig(m_ctx.config));
}

// ---- Rooms --------------------------------------------------------------------------------------

RoomBinding TopupService::bindRoom(qint64 userId, const QString &roomId)
{
    // The room as the utility system names it now: the binding keeps its building and number.
    const QList<UtilityRoom> rooms = utility().rooms();
    const auto it = std::find_if(rooms.begin(), rooms.end(),
                                 [&](const UtilityRoom &r) { return r.roomId == roomId; });
    if (it == rooms.end())
        throw Error(ErrorCode::TopupRoomNotFound, QStringLiteral("no room ") + roomId);
    RoomBinding binding {userId, it->roomId, it->building, it->room, nowMs()};
    TopupRepository repo(m_ctx.db);
    m_ctx.db.transact([&](Transaction &tx) { repo.bindRoom(tx, binding); });
    qCInfo(lcTopup).noquote() << "user" << userId << "bound room" << roomId;
    return binding;
}

void TopupService::unbindRoom(qint64 userId)
{
    TopupRepository repo(m_ctx.db);
    if (!m_ctx.db.transact([&](Transaction &tx) { return repo.unbindRoom(tx, userId); }))
        throw Error(ErrorCode::TopupRoomNotBound, QStringLiteral("no room bound"));
}

RoomView TopupService::myRoom(qint64 userId)
{
    const std::optional<RoomBinding> binding = TopupRepository(m_ctx.db).boundRoom(userId);
    if (!binding)
        throw Error(ErrorCode::TopupRoomNotBound, QStringLiteral("no room bound"));
    RoomView view {*binding, std::nullopt};
    try {
        view.balance = utility().balance(binding->roomId);
        if (view.balance)
            checkLowBalance(*view.balance);
    } catch (const Error &e) {
        // The binding is still worth showing; the front end says the balance is unavailable.
        qCWarning(lcTopup).noquote() << "balance of room" << binding->roomId << e.detail();
    }
    return view;
}

QList<UtilityUsageDay> TopupService::myUsage(qint64 userId, int days)
{
    const std::optional<RoomBinding> binding = TopupRepository(m_ctx.db).boundRoom(userId);
    if (!binding)
        throw Error(ErrorCode::TopupRoomNotBound, QStringLiteral("no room bound"));
    const QDateTime to = QDateTime::currentDateTimeUtc();
    return utility().usage(binding->roomId, to.addDays(-days), to);
}

// ---- Top-ups of a student -----------------------------------------------------------------------

Topup TopupService::create(qint64 userId, const QString &utility, qint64 amount)
{
    if (!utilityFromName(utility))
        throw Error(ErrorCode::InvalidParameter, QStringLiteral("utility: ELECTRICITY or WATER"));
    if (amount < m_options.minAmount || amount > m_options.maxAmount)
        throw Error(ErrorCode::TopupAmountOutOfRange,
                    QStringLiteral("amount %1 outside %2..%3")
                        .arg(amount)
                        .arg(m_options.minAmount)
                        .arg(m_options.maxAmount),
                    {formatYuan(m_options.minAmount), formatYuan(m_options.maxAmount)});
    const std::optional<RoomBinding> room = TopupRepository(m_ctx.db).boundRoom(userId);
    if (!room)
        throw Error(ErrorCode::TopupRoomNotBound, QStringLiteral("no room bound"));
    Topup t;
    t.id = m_ctx.ids.next();
    t.userId = userId;
    t.roomId = room->roomId;
    t.building = room->building;
    t.room = room->room;
    t.utility = utility;
    t.amount = amount;
    t.createdAt = nowMs();
    t.updatedAt = t.createdAt;
    t.expiresAt = t.createdAt + m_options.expiry.count();
    TopupRepository repo(m_ctx.db);
    m_ctx.db.transact([&](Transaction &tx) { repo.insert(tx, t, QStringLiteral("student")); });
    // Lost (Redis down): the sweep expires it from the database.
    try {
        m_queue.schedule(expireId(t.id), QByteArray::number(t.id), m_options.expiry);
    } catch (const Error &e) {
        qCWarning(lcTopup).noquote() << "top-up" << t.id << "expiry not scheduled:" << e.detail();
    }
    qCInfo(lcTopup).noquote() << "top-up" << t.id << "created:" << utility << amount << "fen for"
                              << t.roomId;
    return t;
}

Topup TopupService::get(qint64 userId, qint64 id) const
{
    const std::optional<Topup> t = TopupRepository(m_ctx.db).find(id);
    if (!t)
        throw Error(ErrorCode::TopupNotFound, QStringLiteral("no such top-up"));
    if (t->userId != userId)
        throw Error(ErrorCode::TopupOfAnotherUser, QStringLiteral("top-up of another user"));
    return *t;
}

Page<Topup> TopupService::list(qint64 userId, const std::optional<PageCursor> &after,
                               int limit) const
{
    return TopupRepository(m_ctx.db).listByUser(userId, after, limit);
}

std::pair<qint64, QJsonObject> TopupService::sign(qint64 userId, qint64 id)
{
    const Topup t = get(userId, id);
    if (t.status != TopupStatus::PendingPayment)
        throw Error(ErrorCode::TopupStateConflict,
                    QStringLiteral("top-up is ") + statusName(t.status));
    const std::optional<User> user = UserRepository(m_ctx.db).find(userId);
    if (!user)
        throw Error(ErrorCode::Unauthorized, QStringLiteral("user gone"));
    QJsonObject order {
        {QStringLiteral("outTradeNo"), snowflakeToString(t.id)},
        {QStringLiteral("amount"), t.amount},
        {QStringLiteral("subject"),
         QStringLiteral("%1充值 %2 %3").arg(utilityLabel(t.utility), t.building, t.room)},
        {QStringLiteral("openId"), user->openId},
        {QStringLiteral("notifyUrl"),
         QString(m_ctx.config.publicBaseUrl() + QStringLiteral("/api/v1/topup-notify"))},
    };
    if (!user->studentId.isEmpty())
        order.insert(QStringLiteral("studentId"), user->studentId);
    const qint64 orderId = m_pay.createOrder(order);
    if (t.payOrderId != orderId) {
        TopupRepository repo(m_ctx.db);
        const bool recorded = m_ctx.db.transact(
            [&](Transaction &tx) { return repo.setPayOrder(tx, t.id, t.version, orderId); });
        if (!recorded) {
            // Changed meanwhile: fine if another sign recorded the same order.
            const std::optional<Topup> now = repo.find(id);
            if (!now || now->payOrderId != orderId)
                throw Error(ErrorCode::TopupStateConflict,
                            QStringLiteral("top-up changed while signing"));
        }
    }
    qCInfo(lcTopup).noquote() << "top-up" << t.id << "signed: pay order" << orderId;
    return {orderId, m_pay.cashier(orderId, t.amount)};
}

// ---- The pay platform's verdicts ----------------------------------------------------------------

void TopupService::applyPayResult(const QJsonObject &n)
{
    const qint64 orderId =
        snowflakeOr(n.value(QStringLiteral("orderId")).toString(), ErrorCode::TopupNotFound);
    TopupRepository repo(m_ctx.db);
    std::optional<Topup> found = repo.findByPayOrder(orderId);
    if (!found)
        found = repo.find(snowflakeOr(n.value(QStringLiteral("outTradeNo")).toString(),
                                      ErrorCode::TopupNotFound));
    if (!found)
        throw Error(ErrorCode::TopupNotFound,
                    QStringLiteral("topup-notify: no top-up for order %1").arg(orderId));
    const QString status = n.value(QStringLiteral("status")).toString();
    const qint64 now = nowMs();

    if (status == QLatin1String("PAID")) {
        const qint64 amount = n.value(QStringLiteral("amount")).toInteger(-1);
        if (amount != found->amount)
            throw Error(ErrorCode::InvalidAmount,
                        QStringLiteral("topup-notify: order %1 paid %2, top-up %3 is %4")
                            .arg(orderId)
                            .arg(amount)
                            .arg(found->id)
                            .arg(found->amount));
        const bool applied = m_ctx.db.transact([&](Transaction &tx) {
            const std::optional<Topup> t = repo.find(tx, found->id, RowLock::ForUpdate);
            if (!t)
                throw Error(ErrorCode::TopupNotFound, QStringLiteral("topup-notify: gone"));
            if (t->status == TopupStatus::Cancelled) {
                // Paid after it was cancelled: refuse, so the notification ends FAILED for
                // admins and the money goes back.
                qCWarning(lcTopup).noquote()
                    << "topup-notify: order" << orderId << "PAID for cancelled top-up" << t->id;
                throw Error(ErrorCode::TopupStateConflict,
                            QStringLiteral("topup-notify: paid order for a cancelled top-up"));
            }
            if (t->status != TopupStatus::PendingPayment)
                return false; // a repeated notification
            TopupChange change;
            change.actor = QStringLiteral("pay-notify");
            change.detail = QStringLiteral("pay order %1 paid").arg(orderId);
            change.paidAt = now;
            change.deliveryStartedAt = now;
            change.channel = n.value(QStringLiteral("channel")).toString();
            change.nextAttemptAt = now;
            if (!repo.transition(tx, *t, TopupStatus::Paid, change))
                throw Error(ErrorCode::TopupStateConflict,
                            QStringLiteral("topup-notify: changed meanwhile"));
            return true;
        });
        if (applied) {
            qCInfo(lcTopup).noquote() << "top-up" << found->id << "PAID by order" << orderId;
            schedule(found->id);
        }
        return;
    }
    if (status == QLatin1String("REFUNDED")) {
        if (found->status == TopupStatus::Refunding)
            finishRefund(*found);
        else if (found->status != TopupStatus::Refunded)
            qCWarning(lcTopup).noquote()
                << "topup-notify: order" << orderId << "REFUNDED for top-up" << found->id
                << "in state" << statusName(found->status);
        return;
    }
    if (status == QLatin1String("CLOSED") || status == QLatin1String("FAILED")) {
        if (found->status != TopupStatus::PendingPayment)
            return;
        TopupChange change;
        change.actor = QStringLiteral("pay-notify");
        change.detail = QStringLiteral("pay order %1 %2").arg(orderId).arg(status);
        move(*found, TopupStatus::Cancelled, change);
        return;
    }
    qCInfo(lcTopup).noquote() << "topup-notify: order" << orderId << "status" << status
                              << "not followed by top-ups";
}

// ---- Background ---------------------------------------------------------------------------------

void TopupService::schedule(qint64 id, std::chrono::milliseconds delay)
{
    // The database holds next_attempt_at: a schedule lost here is found by the sweep.
    try {
        m_queue.schedule(stepId(id), QByteArray::number(id), delay);
    } catch (const Error &e) {
        qCWarning(lcTopup).noquote() << "top-up" << id << "step not scheduled:" << e.detail();
    }
}

bool TopupService::handle(const DelayedItem &item)
{
    bool ok = false;
    const qint64 id = item.payload.toLongLong(&ok);
    if (!ok)
        return true; // not ours to understand: drop rather than retry forever
    if (item.id.startsWith(ExpirePrefix.data()))
        return expire(id);
    return step(id);
}

bool TopupService::step(qint64 id)
{
    const std::optional<Topup> t = TopupRepository(m_ctx.db).find(id);
    if (!t)
        return true;
    switch (t->status) {
    case TopupStatus::Paid:
        return deliver(*t);
    case TopupStatus::DeliveryFailed:
        return settleFailed(*t);
    case TopupStatus::Refunding:
        return finishRefund(*t);
    default:
        return true;
    }
}

qint64 TopupService::settleFrom(qint64 now, const std::optional<qint64> &unsettledAt) const
{
    // An attempt another worker still has in flight ends within the client's budget; one that
    // got no answer may arrive until its timestamp window has passed.
    const qint64 inFlight = now + utility().options().timeoutMs + 1000;
    return std::max(inFlight, unsettledAt.value_or(0) + qint64(m_options.settleWindow.count()));
}

std::chrono::milliseconds TopupService::retryDelay(int attempts) const
{
    if (m_options.retrySchedule.isEmpty())
        return 60s;
    return m_options.retrySchedule.at(
        std::clamp<qsizetype>(attempts, 0, m_options.retrySchedule.size() - 1));
}

bool TopupService::move(const Topup &topup, TopupStatus to, TopupChange change)
{
    TopupRepository repo(m_ctx.db);
    const bool moved =
        m_ctx.db.transact([&](Transaction &tx) { return repo.transition(tx, topup, to, change); });
    if (moved)
        qCInfo(lcTopup).noquote() << "top-up" << topup.id << statusName(topup.status) << "->"
                                  << statusName(to) << "by" << change.actor << change.detail;
    return moved;
}

void TopupService::tellStudent(const Topup &t, const QString &title, const QString &body) const
{
    const std::optional<User> user = UserRepository(m_ctx.db).find(t.userId);
    if (!user)
        return;
    const QJsonObject message {
        {QStringLiteral("title"), title},
        {QStringLiteral("body"), body},
        {QStringLiteral("topupId"), QString::number(t.id)},
        {QStringLiteral("at"),
         QDateTime::currentDateTime().toTimeZone(m_ctx.zone).toString(Qt::ISODate)},
    };
    try {
        PushNotifier::deliver(m_ctx.redis, m_ctx.keys, user->openId,
                              "topup:" + QByteArray::number(t.id) + ':' + title.toUtf8(), message);
    } catch (const Error &e) {
        qCWarning(lcTopup).noquote() << "top-up" << t.id << "message not delivered:" << e.detail();
    }
}

bool TopupService::deliver(const Topup &t)
{
    const qint64 now = nowMs();
    QString error;
    bool unsettled = false;
    try {
        // One request per attempt: the back-off between attempts is this worker's, and each
        // attempt is counted and shown to staff.
        UtilityClientOptions once = UtilityClientOptions::fromConfig(m_ctx.config);
        once.maxAttempts = 1;
        const UtilityRecharge r =
            UtilityClient(once).recharge({t.roomId, utilityOf(t), t.amount, QString::number(t.id)});
        TopupChange change;
        change.detail =
            QStringLiteral("credited, balance after %1 yuan").arg(formatYuan(r.balanceAfter));
        change.deliveredAt = now;
        change.balanceAfter = r.balanceAfter;
        change.nextAttemptAt = 0;
        deliveries("delivered").Increment();
        if (move(t, TopupStatus::Delivered, change)) {
            tellStudent(t, QStringLiteral("充值成功"),
                        QStringLiteral("%1 %2 %3充值 %4 元已到账，当前余额 %5 元")
                            .arg(t.building, t.room, utilityLabel(t.utility), formatYuan(t.amount),
                                 formatYuan(r.balanceAfter)));
            const qint64 threshold =
                t.utility == QLatin1String("WATER") ? m_options.lowWater : m_options.lowElectricity;
            if (r.balanceAfter >= threshold)
                m_ctx.redis.command({"DEL", m_ctx.keys.topupLowBalance(t.roomId, t.utility)},
                                    Idempotent::Yes);
        }
        return true;
    } catch (const UtilityRefusal &e) {
        if (e.isPermanent()) {
            deliveries("refused").Increment();
            TopupChange change;
            change.detail = QStringLiteral("refused: %1 %2").arg(e.retcode(), e.retmsg());
            change.failureReason = e.retmsg();
            change.nextAttemptAt = settleFrom(now, t.unsettledAt);
            if (move(t, TopupStatus::DeliveryFailed, change))
                schedule(t.id, std::chrono::milliseconds(*change.nextAttemptAt - now));
            return true;
        }
        error = QStringLiteral("%1 %2").arg(e.retcode(), e.retmsg());
    } catch (const Error &e) {
        // No signed answer: the request may still arrive (settleWindow).
        error = e.detail();
        unsettled = true;
    }

    TopupRepository repo(m_ctx.db);
    const qint64 started = t.deliveryStartedAt.value_or(t.paidAt.value_or(now));
    if (now - started < m_options.deliveryDeadline.count()) {
        deliveries("retry").Increment();
        const std::chrono::milliseconds delay = retryDelay(t.attempts);
        const bool recorded = m_ctx.db.transact([&](Transaction &tx) {
            return repo.recordFailedAttempt(tx, t, error, now + delay.count(), unsettled, now);
        });
        qCWarning(lcTopup).noquote() << "top-up" << t.id << "delivery attempt" << t.attempts + 1
                                     << "failed, retried in" << delay.count() << "ms:" << error;
        if (recorded)
            schedule(t.id, delay);
        else if (unsettled) // changed meanwhile (e.g. staff stopped it): the refund must know
            m_ctx.db.transact([&](Transaction &tx) { repo.markUnsettled(tx, t.id, now); });
        return true;
    }
    // The deadline passed: give up delivering. The refund waits until a request without an
    // answer can no longer arrive, then asks the utility system whether it credited the serial.
    deliveries("given_up").Increment();
    const qint64 next = settleFrom(now, unsettled ? std::optional<qint64>(now) : t.unsettledAt);
    const bool failed = m_ctx.db.transact([&](Transaction &tx) {
        if (!repo.recordFailedAttempt(tx, t, error, next, unsettled, now))
            return false;
        const std::optional<Topup> after = repo.find(tx, t.id);
        TopupChange change;
        change.detail = QStringLiteral("delivery deadline passed after %1 attempts: %2")
                            .arg(t.attempts + 1)
                            .arg(error);
        change.failureReason = QStringLiteral("水电系统长时间未能到账");
        change.nextAttemptAt = next;
        return after && repo.transition(tx, *after, TopupStatus::DeliveryFailed, change, now);
    });
    qCWarning(lcTopup).noquote() << "top-up" << t.id << "delivery given up after" << t.attempts + 1
                                 << "attempts:" << error;
    if (failed)
        schedule(t.id, std::chrono::milliseconds(next - now));
    return true;
}

bool TopupService::settleFailed(const Topup &t)
{
    const qint64 now = nowMs();
    const qint64 settleAt = std::max(t.nextAttemptAt.value_or(0),
                                     t.unsettledAt.value_or(0) + m_options.settleWindow.count());
    if (now < settleAt) {
        schedule(t.id, std::chrono::milliseconds(settleAt - now));
        return true;
    }
    std::optional<UtilityRecharge> credited;
    try {
        credited = utility().queryRecharge(QString::number(t.id));
    } catch (const Error &e) {
        qCWarning(lcTopup).noquote() << "top-up" << t.id << "recharge query failed:" << e.detail();
        TopupRepository repo(m_ctx.db);
        m_ctx.db.transact([&](Transaction &tx) {
            return repo.setNextAttempt(tx, t, now + SettleRetry.count(), now);
        });
        schedule(t.id, SettleRetry);
        return true;
    }
    if (credited) {
        // The utility system credited it after all: delivered, never refunded.
        TopupChange change;
        change.detail = QStringLiteral("the utility system confirms the credit");
        change.deliveredAt = now;
        change.balanceAfter = credited->balanceAfter;
        change.nextAttemptAt = 0;
        if (move(t, TopupStatus::Delivered, change))
            tellStudent(
                t, QStringLiteral("充值成功"),
                QStringLiteral("%1 %2 %3充值 %4 元已到账")
                    .arg(t.building, t.room, utilityLabel(t.utility), formatYuan(t.amount)));
        return true;
    }
    TopupChange change;
    change.detail = QStringLiteral("not credited by the utility system: refund");
    change.nextAttemptAt = now;
    if (!move(t, TopupStatus::Refunding, change))
        return true;
    if (const std::optional<Topup> refunding = TopupRepository(m_ctx.db).find(t.id))
        return finishRefund(*refunding);
    return true;
}

bool TopupService::finishRefund(const Topup &t)
{
    QString orderStatus;
    try {
        orderStatus =
            m_pay.refund(t.payOrderId.value_or(0), QStringLiteral("topup-") + QString::number(t.id),
                         t.amount, QStringLiteral("水电充值未到账，退款"));
    } catch (const Error &e) {
        qCWarning(lcTopup).noquote() << "top-up" << t.id << "refund failed, retried:" << e.detail();
        schedule(t.id, SettleRetry);
        return true;
    }
    if (orderStatus != QLatin1String("REFUNDED")) {
        // REFUNDING at the channel: its notification (or this step again) finishes it.
        schedule(t.id, SettleRetry);
        return true;
    }
    TopupChange change;
    change.detail = QStringLiteral("refunded");
    change.nextAttemptAt = 0;
    if (move(t, TopupStatus::Refunded, change))
        tellStudent(
            t, QStringLiteral("充值失败，已退款"),
            QStringLiteral("%1 %2 %3充值 %4 元未能到账（%5），款项已原路退回")
                .arg(t.building, t.room, utilityLabel(t.utility), formatYuan(t.amount),
                     t.failureReason.isEmpty() ? QStringLiteral("充值失败") : t.failureReason));
    return true;
}

bool TopupService::expire(qint64 id)
{
    const std::optional<Topup> t = TopupRepository(m_ctx.db).find(id);
    // Signed top-ups end with their pay order (closed at its timeout: CANCELLED by notification).
    if (!t || t->status != TopupStatus::PendingPayment || t->payOrderId)
        return true;
    TopupChange change;
    change.detail = QStringLiteral("not signed in time");
    move(*t, TopupStatus::Cancelled, change);
    return true;
}

int TopupService::sweep(int limit)
{
    const qint64 now = nowMs();
    int n = 0;
    TopupRepository repo(m_ctx.db);
    // A minute of grace: normally the queue fires on time and this finds nothing.
    const QList<Topup> due = repo.due(now - 60000, limit);
    for (const Topup &t : due) {
        schedule(t.id);
        ++n;
    }
    const QList<Topup> overdue = repo.expiredPending(now - 60000, limit);
    for (const Topup &t : overdue) {
        if (!t.payOrderId) {
            expire(t.id);
            ++n;
        }
    }
    return n;
}

void TopupService::checkLowBalance(const UtilityBalance &balance)
{
    const struct
    {
        const char *utility;
        qint64 value;
        qint64 threshold;
    } checks[] = {{"ELECTRICITY", balance.electricity, m_options.lowElectricity},
                  {"WATER", balance.water, m_options.lowWater}};
    for (const auto &c : checks) {
        if (c.threshold <= 0)
            continue; // 0: no reminder for this utility
        const QString utility = QLatin1String(c.utility);
        const QByteArray key = m_ctx.keys.topupLowBalance(balance.roomId, utility);
        if (c.value >= c.threshold) {
            m_ctx.redis.command({"DEL", key}, Idempotent::Yes); // re-armed for the next crossing
            continue;
        }
        // The marker is the crossing: only the caller that sets it tells the students.
        const QByteArray crossing = QByteArray::number(nowMs());
        const RedisReply set = m_ctx.redis.command({"SET", key, crossing, "NX"}, Idempotent::No);
        set.throwIfError("low-balance marker");
        if (set.isNil())
            continue;
        const QString title = utility == QLatin1String("WATER") ? QStringLiteral("水费余额不足")
                                                                : QStringLiteral("电费余额不足");
        const QList<RoomBinding> students =
            TopupRepository(m_ctx.db).studentsOfRoom(balance.roomId);
        for (const RoomBinding &b : students) {
            const std::optional<User> user = UserRepository(m_ctx.db).find(b.userId);
            if (!user)
                continue;
            PushNotifier::deliver(
                m_ctx.redis, m_ctx.keys, user->openId,
                "topup-low:" + balance.roomId.toUtf8() + ':' + c.utility + ':' + crossing + ':'
                    + user->openId.toUtf8(),
                QJsonObject {
                    {QStringLiteral("title"), title},
                    {QStringLiteral("body"),
                     QStringLiteral("%1 %2 的%3余额为 %4 元，低于 %5 元，请及时充值")
                         .arg(b.building, b.room, utilityLabel(utility), formatYuan(c.value),
                              formatYuan(c.threshold))},
                    {QStringLiteral("roomId"), balance.roomId},
                    {QStringLiteral("at"),
                     QDateTime::currentDateTime().toTimeZone(m_ctx.zone).toString(Qt::ISODate)},
                });
        }
        qCInfo(lcTopup).noquote() << "room" << balance.roomId << utility << "under" << c.threshold
                                  << "fen:" << students.size() << "told";
    }
}

int TopupService::checkBalances()
{
    int n = 0;
    const QStringList rooms = TopupRepository(m_ctx.db).boundRoomIds();
    for (const QString &roomId : rooms) {
        if (const std::optional<UtilityBalance> b = utility().balance(roomId)) {
            checkLowBalance(*b);
            ++n;
        }
    }
    return n;
}

// ---- Staff --------------------------------------------------------------------------------------

Topup TopupService::redeliver(qint64 id, const QString &actor, const QString &reason)
{
    TopupRepository repo(m_ctx.db);
    const qint64 now = nowMs();
    const bool done = m_ctx.db.transact([&](Transaction &tx) {
        const std::optional<Topup> t = repo.find(tx, id, RowLock::ForUpdate);
        if (!t)
            throw Error(ErrorCode::TopupNotFound, QStringLiteral("no such top-up"));
        if (t->status == TopupStatus::Paid) {
            repo.addEvent(tx, id, QStringLiteral("ATTEMPT"), actor,
                          QStringLiteral("re-deliver now: ") + reason, now);
            return repo.setNextAttempt(tx, *t, now, now);
        }
        if (t->status != TopupStatus::DeliveryFailed)
            throw Error(ErrorCode::TopupStateConflict,
                        QStringLiteral("top-up is ") + statusName(t->status));
        TopupChange change;
        change.actor = actor;
        change.detail = reason;
        change.deliveryStartedAt = now;
        change.nextAttemptAt = now;
        return repo.transition(tx, *t, TopupStatus::Paid, change, now);
    });
    if (!done)
        throw Error(ErrorCode::TopupStateConflict, QStringLiteral("top-up changed meanwhile"));
    qCInfo(lcTopup).noquote() << "top-up" << id << "re-delivered by" << actor << ":" << reason;
    schedule(id);
    return *repo.find(id);
}

Topup TopupService::refund(qint64 id, const QString &actor, const QString &reason)
{
    TopupRepository repo(m_ctx.db);
    const qint64 now = nowMs();
    m_ctx.db.transact([&](Transaction &tx) {
        const std::optional<Topup> t = repo.find(tx, id, RowLock::ForUpdate);
        if (!t)
            throw Error(ErrorCode::TopupNotFound, QStringLiteral("no such top-up"));
        if (t->status == TopupStatus::DeliveryFailed) {
            repo.addEvent(tx, id, QStringLiteral("ATTEMPT"), actor,
                          QStringLiteral("refund now: ") + reason, now);
            return repo.setNextAttempt(tx, *t, settleFrom(now, t->unsettledAt), now);
        }
        if (t->status != TopupStatus::Paid)
            throw Error(ErrorCode::TopupStateConflict,
                        QStringLiteral("top-up is ") + statusName(t->status));
        TopupChange change;
        change.actor = actor;
        change.detail = reason;
        change.failureReason = QStringLiteral("工作人员办理退款");
        // A delivery attempt may be in flight right now: the refund step waits for it.
        change.nextAttemptAt = settleFrom(now, t->unsettledAt);
        return repo.transition(tx, *t, TopupStatus::DeliveryFailed, change, now);
    });
    qCInfo(lcTopup).noquote() << "top-up" << id << "refund asked by" << actor << ":" << reason;
    const std::optional<Topup> after = repo.find(id);
    schedule(
        id,
        std::chrono::milliseconds(std::max<qint64>(0, after->nextAttemptAt.value_or(0) - nowMs())));
    return *after;
}

} // namespace pomelo
