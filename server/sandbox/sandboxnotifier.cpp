#include "sandbox/sandboxnotifier.h"

#include "telemetry/logging.h"

#include <QHash>
#include <QJsonArray>
#include <QSet>
#include <QStringList>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

namespace pomelo {

using sandbox::NoticeState;
using sandbox::nowMs;

QJsonObject SandboxNotice::toJson() const
{
    QJsonObject j {
        {QStringLiteral("id"), id},
        {QStringLiteral("url"), url},
        {QStringLiteral("content"), content},
        {QStringLiteral("state"), sandbox::noticeStateName(state)},
        {QStringLiteral("attempts"), attempts},
        {QStringLiteral("created_ms"), createdMs},
        {QStringLiteral("due_ms"), dueMs},
    };
    if (!lastError.isEmpty())
        j.insert(QStringLiteral("last_error"), lastError);
    return j;
}

std::optional<SandboxNotice> SandboxNotice::fromJson(const QJsonObject &j)
{
    SandboxNotice n;
    n.id = j.value(QLatin1String("id")).toString();
    if (n.id.isEmpty())
        return std::nullopt;
    n.url = j.value(QLatin1String("url")).toString();
    n.content = j.value(QLatin1String("content")).toObject();
    n.state = sandbox::noticeStateFromName(j.value(QLatin1String("state")).toString());
    n.attempts = j.value(QLatin1String("attempts")).toInt();
    n.createdMs = j.value(QLatin1String("created_ms")).toInteger();
    n.dueMs = j.value(QLatin1String("due_ms")).toInteger();
    n.lastError = j.value(QLatin1String("last_error")).toString();
    return n;
}

struct SandboxNotifier::Private
{
    SandboxNotifierOptions o;
    SandboxStore &store;

    mutable std::mutex mutex; // everything below
    std::condition_variable wake;
    QHash<QString, SandboxNotice> notices;
    QStringList order; // ids, oldest first
    QSet<QString> pending;
    QSet<QString> inFlight; // not stored: nothing is in flight after a restart
    bool stopping = false;
    std::vector<std::thread> senders;

    Private(SandboxNotifierOptions options, SandboxStore &s)
        : o(std::move(options))
        , store(s)
    { }

    void stageLocked(const SandboxNotice &n) { store.stage(recordKind(), n.id, n.toJson()); }
    void senderLoop();
    void deliver(const QString &id);
    QString attempt(const SandboxNotice &notice, int attempt);
    void record(const QString &id, int attempt, const QString &error);
};

void SandboxNotifier::Private::senderLoop()
{
    // Every sender claims a due notification nobody is delivering yet, or sleeps until the next
    // one is due (or it is woken: a new notification, a finished attempt, the stop).
    std::unique_lock lock(mutex);
    while (!stopping) {
        const qint64 now = nowMs();
        qint64 next = std::numeric_limits<qint64>::max();
        QString claimed;
        for (const QString &id : std::as_const(pending)) {
            if (inFlight.contains(id))
                continue;
            const qint64 due = notices.value(id).dueMs;
            if (due <= now) {
                claimed = id;
                break;
            }
            next = std::min(next, due);
        }
        if (!claimed.isEmpty()) {
            inFlight.insert(claimed);
            lock.unlock();
            deliver(claimed);
            lock.lock();
            continue;
        }
        if (next == std::numeric_limits<qint64>::max())
            wake.wait(lock);
        else
            wake.wait_for(lock, std::chrono::milliseconds(next - now));
    }
}

void SandboxNotifier::Private::deliver(const QString &id)
{
    SandboxNotice notice;
    {
        std::lock_guard lock(mutex);
        if (stopping) {
            inFlight.remove(id); // resumed by the next start (the store keeps it pending)
            return;
        }
        notice = notices.value(id);
    }
    const int number = notice.attempts + 1;
    record(id, number, attempt(notice, number));
    store.flush();
    wake.notify_all();
}

QString SandboxNotifier::Private::attempt(const SandboxNotice &notice, int number)
{
    const HttpClientRequest request = o.request(notice, number);
    const HttpClientResponse answer = o.send ? o.send(request) : HttpClient::send(request);
    if (answer.status == 0)
        return answer.error.isEmpty() ? QStringLiteral("no answer") : answer.error;
    return o.refusal(answer);
}

void SandboxNotifier::Private::record(const QString &id, int attempt, const QString &error)
{
    std::lock_guard lock(mutex);
    inFlight.remove(id);
    SandboxNotice &n = notices[id];
    n.attempts = attempt;
    n.lastError = error;
    if (error.isEmpty()) {
        n.state = NoticeState::Delivered;
        pending.remove(id);
        qCInfo(lcSandbox).noquote()
            << o.name << "notify" << id << "delivered after" << attempt << "attempt(s)";
    } else if (attempt >= o.scheduleMs.size()) {
        n.state = NoticeState::Failed;
        pending.remove(id);
        qCWarning(lcSandbox).noquote()
            << o.name << "notify" << id << "given up after" << attempt << "attempts:" << error;
    } else {
        n.dueMs = nowMs() + o.scheduleMs.at(attempt);
        qCInfo(lcSandbox).noquote()
            << o.name << "notify" << id << "attempt" << attempt << "failed:" << error << "- next in"
            << o.scheduleMs.at(attempt) << "ms";
    }
    stageLocked(n);
}

SandboxNotifier::SandboxNotifier(SandboxNotifierOptions options, SandboxStore &store)
    : d(std::make_unique<Private>(std::move(options), store))
{
    if (d->o.scheduleMs.isEmpty())
        d->o.scheduleMs = {0};
}

SandboxNotifier::~SandboxNotifier()
{
    stop();
}

int SandboxNotifier::restore(const QList<SandboxStore::Record> &records)
{
    const qint64 now = nowMs();
    int resumed = 0;
    std::lock_guard lock(d->mutex);
    for (const SandboxStore::Record &r : records) {
        if (r.kind != recordKind())
            continue;
        auto n = SandboxNotice::fromJson(r.value);
        if (!n || d->notices.contains(n->id))
            continue;
        if (n->state == NoticeState::Pending) {
            const qint64 delay =
                d->o.scheduleMs.value(std::min<qsizetype>(n->attempts, d->o.scheduleMs.size() - 1));
            n->dueMs = std::min(n->dueMs, now + delay);
            d->pending.insert(n->id);
            ++resumed;
        }
        d->order.append(n->id);
        d->notices.insert(n->id, *n);
    }
    return resumed;
}

void SandboxNotifier::start()
{
    for (int i = 0; i < std::max(1, d->o.threads); ++i)
        d->senders.emplace_back([p = d.get()] { p->senderLoop(); });
}

void SandboxNotifier::stop()
{
    {
        std::lock_guard lock(d->mutex);
        d->stopping = true;
    }
    d->wake.notify_all();
    for (std::thread &sender : d->senders)
        sender.join();
    d->senders.clear();
}

bool SandboxNotifier::contains(const QString &id) const
{
    std::lock_guard lock(d->mutex);
    return d->notices.contains(id);
}

void SandboxNotifier::enqueue(const QString &id, const QString &url, const QJsonObject &content)
{
    SandboxNotice n;
    n.id = id;
    n.url = url;
    n.content = content;
    n.createdMs = nowMs();
    n.dueMs = n.createdMs + d->o.scheduleMs.first();
    std::lock_guard lock(d->mutex);
    d->notices.insert(id, n);
    d->order.append(id);
    d->pending.insert(id);
    d->stageLocked(n);
}

void SandboxNotifier::wake()
{
    d->wake.notify_all();
}

QList<SandboxNotice> SandboxNotifier::notices() const
{
    std::lock_guard lock(d->mutex);
    QList<SandboxNotice> out;
    out.reserve(d->order.size());
    for (const QString &id : std::as_const(d->order))
        out.append(d->notices.value(id));
    return out;
}

int SandboxNotifier::pendingCount() const
{
    std::lock_guard lock(d->mutex);
    return int(d->pending.size());
}

QList<SandboxStore::Record>
legacyTradeRecords(const QJsonObject &root, QLatin1String orderKey, QLatin1String refundKey,
                   const std::function<SandboxNotice(const QJsonObject &)> &notice)
{
    QList<SandboxStore::Record> out;
    const QJsonArray orders = root.value(QLatin1String("orders")).toArray();
    for (const QJsonValue &v : orders)
        out.append({orderRecordKind(), v.toObject().value(orderKey).toString(), v.toObject()});
    const QJsonArray refunds = root.value(QLatin1String("refunds")).toArray();
    for (const QJsonValue &v : refunds)
        out.append({refundRecordKind(), v.toObject().value(refundKey).toString(), v.toObject()});
    const QJsonArray notices = root.value(QLatin1String("notifications")).toArray();
    for (const QJsonValue &v : notices) {
        const SandboxNotice n = notice(v.toObject());
        out.append({SandboxNotifier::recordKind(), n.id, n.toJson()});
    }
    return out;
}

} // namespace pomelo
