#include "sandbox/utilitysandbox.h"

#include "channels/ecardprotocol.h"
#include "channels/utilityprotocol.h"
#include "config/config.h"
#include "domain/money.h"
#include "http/router.h"
#include "sandbox/sandboxcommon.h"
#include "sandbox/sandboxstore.h"
#include "telemetry/logging.h"

#include <QDir>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRandomGenerator>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace pomelo {

namespace {

namespace field = utility::field;
namespace retcode = utility::retcode;
namespace upath = utility::path;
using ecard::forLog;
using ecard::integerField;
using ecard::stringField;
using sandbox::controlAnswer;
using sandbox::inStateDir;
using sandbox::jsonObjectBody;
using sandbox::nowSeconds;
using Record = SandboxStore::Record;

/// 10 million yuan: far beyond any dorm room, and far from overflowing a sum of recharges.
constexpr qint64 MaxBalance = 1'000'000'000;
/// What one tick of simulated usage takes from a room, per utility, in fen.
constexpr int MinTickUsage = 1;
constexpr int MaxTickUsage = 20;

// Record kinds in the store.
const QString RoomKind = QStringLiteral("room"); // by room id: balances and flags
const QString RechargeKind = QStringLiteral("recharge"); // by serial: the recharge's answer fields
const QString UsageKind = QStringLiteral("usage"); // by "room|day|utility": fen used that day

qint64 steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// A business refusal, answered (signed) with its retcode.
struct Refusal
{
    QLatin1String code;
    QString detail;
};

/// What the next recharge calls do instead of (or beside) their work: simulate/fault.
enum class Fault {
    None,
    Timeout, ///< nothing is done; the answer (9999) is held past the client's budget
    Http500, ///< nothing is done; HTTP 500
    Busy, ///< nothing is done; 9999
    RefuseClosed, ///< nothing is done; 2002
    RefuseFrozen, ///< nothing is done; 2003
    LostAnswer, ///< the recharge is done, its answer held past the client's budget
};

struct FaultName
{
    Fault fault;
    QLatin1String name;
};
constexpr FaultName FaultNames[] = {
    {Fault::None, QLatin1String("NONE")},
    {Fault::Timeout, QLatin1String("TIMEOUT")},
    {Fault::Http500, QLatin1String("HTTP_500")},
    {Fault::Busy, QLatin1String("BUSY")},
    {Fault::RefuseClosed, QLatin1String("REFUSE_CLOSED")},
    {Fault::RefuseFrozen, QLatin1String("REFUSE_FROZEN")},
    {Fault::LostAnswer, QLatin1String("LOST_ANSWER")},
};

QString faultName(Fault fault)
{
    for (const FaultName &f : FaultNames) {
        if (f.fault == fault)
            return f.name;
    }
    return {};
}

/// false for an unknown name. (Not an optional: GCC 12 at -O2 sees an uninitialized enum in it.)
bool faultFromName(const QString &name, Fault *fault)
{
    for (const FaultName &f : FaultNames) {
        if (name == f.name) {
            *fault = f.fault;
            return true;
        }
    }
    return false;
}

struct Room
{
    QString id;
    QString building;
    QString number;
    qint64 electricity = 0;
    qint64 water = 0;
    bool closed = false;
    bool frozen = false;
    qint64 updatedAt = 0;
    QStringList recharges; ///< serials, oldest first

    /// Prepaid meters cut the power when the electricity balance reaches zero.
    bool powerOn() const { return electricity > 0; }
};

struct Recharge
{
    QString serial;
    QString roomId;
    QString utility;
    qint64 amount = 0;
    qint64 balanceAfter = 0;
    bool powerOn = true;
    qint64 creditedAt = 0;
};

/// The business fields of a recharge's answer (also its record in the store).
QJsonObject rechargeFields(const Recharge &r)
{
    return {
        {field::serial, r.serial},
        {field::roomId, r.roomId},
        {field::utility, r.utility},
        {field::amount, r.amount},
        {field::balanceAfter, r.balanceAfter},
        {field::powerOn, r.powerOn ? 1 : 0},
        {field::creditedAt, r.creditedAt},
    };
}

std::optional<Recharge> rechargeFromJson(const QJsonObject &j)
{
    Recharge r;
    r.serial = j.value(field::serial).toString();
    r.roomId = j.value(field::roomId).toString();
    r.utility = j.value(field::utility).toString();
    r.amount = integerField(j, field::amount).value_or(0);
    r.balanceAfter = integerField(j, field::balanceAfter).value_or(0);
    r.powerOn = integerField(j, field::powerOn).value_or(1) == 1;
    r.creditedAt = integerField(j, field::creditedAt).value_or(0);
    if (r.serial.isEmpty() || r.roomId.isEmpty() || r.amount <= 0)
        return std::nullopt;
    return r;
}

QJsonObject roomRecord(const Room &r)
{
    return {
        {QStringLiteral("electricity"), r.electricity},
        {QStringLiteral("water"), r.water},
        {QStringLiteral("closed"), r.closed},
        {QStringLiteral("frozen"), r.frozen},
        {field::updatedAt, r.updatedAt},
    };
}

/// The demo campus: three buildings of twelve rooms (two floors of six), all with opening
/// balances, and a few rooms in the states a top-up must cope with.
QList<Room> demoRooms(qint64 now)
{
    struct Building
    {
        const char16_t *name;
        const char *prefix;
    };
    static const Building buildings[] = {
        {u"竹园1栋", "ZY1"},
        {u"竹园2栋", "ZY2"},
        {u"梅园3栋", "MY3"},
    };
    QList<Room> out;
    for (const Building &b : buildings) {
        for (int floor = 1; floor <= 2; ++floor) {
            for (int n = 1; n <= 6; ++n) {
                Room r;
                r.number = QString::number(floor * 100 + n);
                r.id = QLatin1String(b.prefix) + u'-' + r.number;
                r.building = QString::fromUtf16(b.name);
                r.electricity = 5000;
                r.water = 3000;
                r.updatedAt = now;
                out.append(r);
            }
        }
    }
    for (Room &r : out) {
        if (r.id == QLatin1String("ZY1-105"))
            r.electricity = 150; // low: a reminder is due
        else if (r.id == QLatin1String("ZY1-106"))
            r.electricity = 0; // used up: the power is off
        else if (r.id == QLatin1String("MY3-206"))
            r.closed = true; // vacated: recharges are refused (2002)
    }
    return out;
}

QString usageKey(const QString &roomId, const QString &day, const QString &utility)
{
    return roomId + u'|' + day + u'|' + utility;
}

HttpResponse controlError(int status, QLatin1String code, const QString &detail = {})
{
    QJsonObject body {{QStringLiteral("retcode"), QString(code)},
                      {QStringLiteral("retmsg"), utility::retmsgOf(code)}};
    if (!detail.isEmpty())
        body.insert(QStringLiteral("detail"), detail);
    return controlAnswer(status, body);
}

} // namespace

struct UtilitySandbox::State
{
    UtilitySandboxOptions o;

    mutable std::mutex mutex; // everything below but the store and the nonces
    QStringList order; ///< room ids in the system's order
    QHash<QString, Room> rooms;
    QHash<QString, Recharge> recharges;
    /// Per room: "yyyy-MM-dd|UTILITY" → fen used (a QMap: by day, then utility).
    QHash<QString, QMap<QString, qint64>> usage;
    /// simulate/fault; not persisted. faultLeft 0 with a fault: until NONE.
    Fault fault = Fault::None;
    int faultLeft = 0;

    /// An answer held by TIMEOUT / LOST_ANSWER: sent when due, or when the sandbox goes.
    struct Held
    {
        qint64 dueMs = 0; // steady clock
        HttpResponse::Reply reply;
        HttpResponse answer;
    };
    std::vector<Held> held;
    bool stopping = false;
    std::condition_variable wake; // the clock thread: a new held answer, or stop

    utility::NonceWindow nonces;
    // Every change is staged under `mutex` and flushed before it is answered.
    SandboxStore store;
    std::thread clock;

    explicit State(UtilitySandboxOptions options);
    void load();
    void runClock();
    void stop();
    void persist() { store.flush(); }
    void saveRoomLocked(const Room &room);

    /// Takes @p amount (fen) of @p utility from @p room now: what was used (electricity stops at
    /// zero, when the power is cut).
    qint64 consumeLocked(Room &room, const QString &utility, qint64 amount, qint64 now);
    void simulateUsageLocked(qint64 now);
    Fault takeFaultLocked();
    Room &findRoomLocked(const QJsonObject &m);
    QJsonObject roomJsonLocked(const Room &room) const;
    UtilitySandboxRoom roomStateLocked(const Room &room) const;

    using Operation = QJsonObject (State::*)(const QJsonObject &);
    HttpResponse endpoint(const HttpRequest &request, QLatin1String path, Operation op);
    HttpResponse signedAnswer(QLatin1String code, QJsonObject fields = {}) const;
    /// @p answer, sent only after faultHoldMs (or when the sandbox goes): no thread waits.
    HttpResponse hold(HttpResponse answer);
    QJsonObject opRooms(const QJsonObject &m);
    QJsonObject opBalance(const QJsonObject &m);
    QJsonObject opUsage(const QJsonObject &m);
    QJsonObject opRecharge(const QJsonObject &m);
    QJsonObject opRechargeQuery(const QJsonObject &m);

    HttpResponse simulateFault(const HttpRequest &request);
    HttpResponse simulateRoom(const HttpRequest &request);
    HttpResponse simulateUsage(const HttpRequest &request);
    HttpResponse simulateGetRoom(const HttpRequest &request) const;
};

UtilitySandbox::State::State(UtilitySandboxOptions options)
    : o(std::move(options))
    , nonces(o.timestampWindowSeconds)
    , store(inStateDir(o.stateDir, "utility.db"))
{ }

void UtilitySandbox::State::load()
{
    const QList<Room> demo = demoRooms(nowSeconds());
    for (const Room &r : demo) {
        order.append(r.id);
        rooms.insert(r.id, r);
    }
    const QList<Record> records = store.loaded();
    std::lock_guard lock(mutex);
    for (const Record &r : records) {
        if (r.kind == RoomKind) {
            auto it = rooms.find(r.key);
            if (it == rooms.end())
                continue; // a room of another demo campus: not ours
            it->electricity = integerField(r.value, QLatin1String("electricity")).value_or(0);
            it->water = integerField(r.value, QLatin1String("water")).value_or(0);
            it->closed = r.value.value(QLatin1String("closed")).toBool();
            it->frozen = r.value.value(QLatin1String("frozen")).toBool();
            it->updatedAt = integerField(r.value, field::updatedAt).value_or(0);
        } else if (r.kind == RechargeKind) {
            const auto recharge = rechargeFromJson(r.value);
            if (!recharge || recharges.contains(recharge->serial))
                continue;
            recharges.insert(recharge->serial, *recharge);
            if (auto room = rooms.find(recharge->roomId); room != rooms.end())
                room->recharges.append(recharge->serial);
        } else if (r.kind == UsageKind) {
            const QStringList parts = r.key.split(u'|');
            if (parts.size() == 3)
                usage[parts.at(0)].insert(parts.at(1) + u'|' + parts.at(2),
                                          integerField(r.value, field::amount).value_or(0));
        }
    }
    if (!records.isEmpty())
        qCInfo(lcSandbox).noquote() << "utility sandbox: loaded" << records.size() << "records ("
                                    << recharges.size() << "recharges) from" << store.path();
}

void UtilitySandbox::State::runClock()
{
    const qint64 interval = o.usageIntervalMs;
    qint64 nextTick = interval > 0 ? steadyMs() + interval : -1;
    std::unique_lock lock(mutex);
    while (!stopping) {
        qint64 due = nextTick;
        for (const Held &h : held)
            due = due < 0 ? h.dueMs : std::min(due, h.dueMs);
        if (due < 0)
            wake.wait(lock);
        else
            wake.wait_for(lock, std::chrono::milliseconds(std::max<qint64>(0, due - steadyMs())));
        if (stopping)
            break;
        const qint64 now = steadyMs();
        std::vector<Held> released;
        for (auto it = held.begin(); it != held.end();) {
            if (it->dueMs <= now) {
                released.push_back(std::move(*it));
                it = held.erase(it);
            } else {
                ++it;
            }
        }
        const bool tick = nextTick >= 0 && now >= nextTick;
        if (tick) {
            simulateUsageLocked(nowSeconds());
            nextTick = now + interval;
        }
        // Answers and the disk without the lock: requests go on meanwhile.
        lock.unlock();
        for (Held &h : released)
            h.reply(std::move(h.answer));
        if (tick)
            persist();
        lock.lock();
    }
}

void UtilitySandbox::State::stop()
{
    std::vector<Held> released;
    {
        std::lock_guard lock(mutex);
        stopping = true;
        released.swap(held);
    }
    wake.notify_all();
    if (clock.joinable())
        clock.join();
    // Whoever still waits gets the answer now (dropped when the server or client is gone).
    for (Held &h : released)
        h.reply(std::move(h.answer));
    persist();
}

void UtilitySandbox::State::saveRoomLocked(const Room &room)
{
    store.stage(RoomKind, room.id, roomRecord(room));
}

qint64 UtilitySandbox::State::consumeLocked(Room &room, const QString &utility, qint64 amount,
                                            qint64 now)
{
    qint64 used = amount;
    if (utility == utility::Electricity) {
        const bool wasOn = room.powerOn();
        used = std::min(amount, std::max<qint64>(0, room.electricity));
        room.electricity -= used;
        if (wasOn && !room.powerOn())
            qCInfo(lcSandbox).noquote() << "utility sandbox: room" << room.id << "power off";
    } else {
        room.water -= used; // water is never cut: the balance goes negative
    }
    if (used <= 0)
        return 0;
    const QString day = utility::dayText(utility::dayOf(now));
    qint64 &total = usage[room.id][day + u'|' + utility];
    total += used;
    store.stage(UsageKind, usageKey(room.id, day, utility),
                {{field::roomId, room.id},
                 {field::day, day},
                 {field::utility, utility},
                 {field::amount, total}});
    room.updatedAt = now;
    saveRoomLocked(room);
    return used;
}

void UtilitySandbox::State::simulateUsageLocked(qint64 now)
{
    QRandomGenerator *random = QRandomGenerator::global();
    int active = 0;
    for (const QString &id : std::as_const(order)) {
        Room &room = rooms[id];
        if (room.closed)
            continue; // nobody lives there
        ++active;
        consumeLocked(room, utility::Electricity, random->bounded(MinTickUsage, MaxTickUsage + 1),
                      now);
        consumeLocked(room, utility::Water, random->bounded(MinTickUsage, MaxTickUsage + 1), now);
    }
    qCDebug(lcSandbox) << "utility sandbox: usage of" << active << "rooms";
}

Fault UtilitySandbox::State::takeFaultLocked()
{
    const Fault taken = fault;
    if (taken != Fault::None && faultLeft > 0 && --faultLeft == 0)
        fault = Fault::None;
    return taken;
}

Room &UtilitySandbox::State::findRoomLocked(const QJsonObject &m)
{
    const auto roomId = stringField(m, field::roomId);
    if (!roomId || roomId->isEmpty())
        throw Refusal {retcode::invalidParameter, QStringLiteral("room_id")};
    auto it = rooms.find(*roomId);
    if (it == rooms.end())
        throw Refusal {retcode::roomNotFound, *roomId};
    return it.value();
}

QJsonObject UtilitySandbox::State::roomJsonLocked(const Room &room) const
{
    QJsonArray list;
    for (const QString &serial : room.recharges) {
        const Recharge r = recharges.value(serial);
        list.append(QJsonObject {
            {QStringLiteral("serial"), r.serial},
            {QStringLiteral("utility"), r.utility},
            {QStringLiteral("amount"), r.amount},
            {QStringLiteral("balanceAfter"), r.balanceAfter},
            {QStringLiteral("creditedAt"), r.creditedAt},
        });
    }
    return {
        {QStringLiteral("roomId"), room.id},
        {QStringLiteral("building"), room.building},
        {QStringLiteral("room"), room.number},
        {QStringLiteral("electricity"), room.electricity},
        {QStringLiteral("water"), room.water},
        {QStringLiteral("powerOn"), room.powerOn()},
        {QStringLiteral("closed"), room.closed},
        {QStringLiteral("frozen"), room.frozen},
        {QStringLiteral("updatedAt"), room.updatedAt},
        {QStringLiteral("recharges"), list},
    };
}

UtilitySandboxRoom UtilitySandbox::State::roomStateLocked(const Room &room) const
{
    UtilitySandboxRoom s;
    s.roomId = room.id;
    s.building = room.building;
    s.room = room.number;
    s.electricity = room.electricity;
    s.water = room.water;
    s.powerOn = room.powerOn();
    s.closed = room.closed;
    s.frozen = room.frozen;
    s.updatedAt = room.updatedAt;
    for (const QString &serial : room.recharges) {
        const Recharge r = recharges.value(serial);
        s.recharges.append({r.serial, r.utility, r.amount, r.balanceAfter, r.creditedAt});
    }
    return s;
}

HttpResponse UtilitySandbox::State::signedAnswer(QLatin1String code, QJsonObject fields) const
{
    fields.insert(field::retcode, QString(code));
    fields.insert(field::retmsg, utility::retmsgOf(code));
    const QJsonObject answer =
        ecard::withSignature(ecard::stamped(fields, o.partnerId, nowSeconds()), o.partnerKey);
    return HttpResponse::json(200, QJsonDocument(answer).toJson(QJsonDocument::Compact));
}

HttpResponse UtilitySandbox::State::hold(HttpResponse answer)
{
    return HttpResponse::later([this, answer = std::move(answer)](HttpResponse::Reply reply) {
        std::unique_lock lock(mutex);
        if (stopping) {
            lock.unlock();
            reply(answer);
            return;
        }
        held.push_back({steadyMs() + o.faultHoldMs, std::move(reply), answer});
        lock.unlock();
        wake.notify_all();
    });
}

HttpResponse UtilitySandbox::State::endpoint(const HttpRequest &request, QLatin1String path,
                                             Operation op)
{
    const auto message = jsonObjectBody(request.body);
    if (!message) {
        qCWarning(lcSandbox).noquote()
            << "utility sandbox" << path << ": body is not a JSON object";
        return signedAnswer(retcode::invalidParameter);
    }
    qCInfo(lcSandbox).noquote() << "utility sandbox <-" << path << forLog(*message);
    const qint64 now = nowSeconds();
    const ecard::Verdict verdict =
        ecard::verify(*message, o.partnerId, o.partnerKey, now, o.timestampWindowSeconds);
    if (verdict != ecard::Verdict::Ok) {
        qCWarning(lcSandbox).noquote()
            << "utility sandbox" << path << "refused:" << ecard::verdictName(verdict);
        return signedAnswer(utility::verdictRetcode(verdict));
    }
    if (!nonces.claim(message->value(field::nonceStr).toString(), now)) {
        qCWarning(lcSandbox).noquote() << "utility sandbox" << path << "refused: nonce reused";
        return signedAnswer(retcode::timestampExpired);
    }
    Fault simulated = Fault::None;
    if (path == upath::recharge) {
        std::lock_guard lock(mutex);
        simulated = takeFaultLocked();
    }
    if (simulated != Fault::None)
        qCWarning(lcSandbox).noquote()
            << "utility sandbox" << path << "simulated fault" << faultName(simulated);
    switch (simulated) {
    case Fault::Http500:
        return HttpResponse::text(500, QByteArrayLiteral("simulated fault\n"));
    case Fault::Busy:
        return signedAnswer(retcode::systemBusy);
    case Fault::RefuseClosed:
        return signedAnswer(retcode::roomClosed);
    case Fault::RefuseFrozen:
        return signedAnswer(retcode::accountFrozen);
    case Fault::Timeout:
        return hold(signedAnswer(retcode::systemBusy)); // nothing was done
    case Fault::LostAnswer:
    case Fault::None:
        break;
    }
    HttpResponse answer;
    try {
        QJsonObject data = (this->*op)(*message);
        persist();
        qCInfo(lcSandbox).noquote() << "utility sandbox ->" << path << "0000";
        answer = signedAnswer(retcode::success, std::move(data));
    } catch (const Refusal &refusal) {
        qCInfo(lcSandbox).noquote()
            << "utility sandbox ->" << path << refusal.code << refusal.detail;
        answer = signedAnswer(refusal.code);
    } catch (const std::exception &e) {
        qCCritical(lcSandbox).noquote() << "utility sandbox" << path << "failed:" << e.what();
        answer = signedAnswer(retcode::systemBusy);
    }
    return simulated == Fault::LostAnswer ? hold(std::move(answer)) : answer;
}

QJsonObject UtilitySandbox::State::opRooms(const QJsonObject &m)
{
    const QJsonValue building = m.value(field::building);
    if (!building.isUndefined() && !building.isNull() && !building.isString())
        throw Refusal {retcode::invalidParameter, QStringLiteral("building")};
    const QString wanted = building.toString();
    QJsonArray list;
    std::lock_guard lock(mutex);
    for (const QString &id : std::as_const(order)) {
        const Room &room = rooms[id];
        if (!wanted.isEmpty() && room.building != wanted)
            continue;
        list.append(QJsonObject {{field::roomId, room.id},
                                 {field::building, room.building},
                                 {field::room, room.number}});
    }
    // The envelope holds strings and integers only: the list travels as a JSON string.
    return {{field::rooms, QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Compact))}};
}

QJsonObject UtilitySandbox::State::opBalance(const QJsonObject &m)
{
    std::lock_guard lock(mutex);
    const Room &room = findRoomLocked(m);
    return {
        {field::roomId, room.id},           {field::electricityBalance, room.electricity},
        {field::waterBalance, room.water},  {field::powerOn, room.powerOn() ? 1 : 0},
        {field::updatedAt, room.updatedAt},
    };
}

QJsonObject UtilitySandbox::State::opUsage(const QJsonObject &m)
{
    const auto from = integerField(m, field::from);
    const auto to = integerField(m, field::to);
    if (!from || !to || *from <= 0 || *to < *from || *to - *from > utility::MaxUsageSpanSeconds)
        throw Refusal {retcode::invalidParameter, QStringLiteral("from/to")};
    const QString first = utility::dayText(utility::dayOf(*from));
    const QString last = utility::dayText(utility::dayOf(*to));
    std::lock_guard lock(mutex);
    const Room &room = findRoomLocked(m);
    QJsonArray list;
    const QMap<QString, qint64> days = usage.value(room.id);
    for (auto it = days.cbegin(); it != days.cend(); ++it) {
        const QString day = it.key().section(u'|', 0, 0);
        if (day < first || day > last) // ISO dates sort as text
            continue;
        list.append(QJsonObject {{field::day, day},
                                 {field::utility, it.key().section(u'|', 1, 1)},
                                 {field::amount, it.value()}});
    }
    return {{field::roomId, room.id},
            {field::usage, QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Compact))}};
}

QJsonObject UtilitySandbox::State::opRecharge(const QJsonObject &m)
{
    const auto roomId = stringField(m, field::roomId);
    const QString utility = stringField(m, field::utility).value_or(QString());
    const QString serial = stringField(m, field::serial).value_or(QString());
    if (!roomId || roomId->isEmpty())
        throw Refusal {retcode::invalidParameter, QStringLiteral("room_id")};
    if (utility != utility::Electricity && utility != utility::Water)
        throw Refusal {retcode::invalidParameter, QStringLiteral("utility")};
    if (!utility::isValidSerial(serial))
        throw Refusal {retcode::invalidParameter, QStringLiteral("serial")};
    if (!m.contains(field::amount))
        throw Refusal {retcode::invalidParameter, QStringLiteral("amount")};
    const auto amount = integerField(m, field::amount);
    if (!amount)
        throw Refusal {retcode::amountInvalid, QStringLiteral("amount is not an integer")};
    const qint64 now = nowSeconds();

    std::lock_guard lock(mutex);
    if (const auto it = recharges.constFind(serial); it != recharges.cend()) {
        // Idempotent: the same request again gets the first answer and credits nothing.
        if (it->roomId != *roomId || it->utility != utility || it->amount != *amount)
            throw Refusal {retcode::serialReused, serial};
        return rechargeFields(*it);
    }
    Room &room = findRoomLocked(m);
    if (*amount < utility::MinRechargeAmount || *amount > utility::MaxRechargeAmount)
        throw Refusal {retcode::amountInvalid, QString::number(*amount)};
    if (room.closed)
        throw Refusal {retcode::roomClosed, room.id};
    if (room.frozen)
        throw Refusal {retcode::accountFrozen, room.id};
    qint64 &balance = utility == utility::Electricity ? room.electricity : room.water;
    if (balance + *amount > MaxBalance)
        throw Refusal {retcode::amountInvalid, QStringLiteral("balance would exceed the maximum")};
    const bool wasOn = room.powerOn();
    balance += *amount;
    room.updatedAt = now;
    Recharge r;
    r.serial = serial;
    r.roomId = room.id;
    r.utility = utility;
    r.amount = *amount;
    r.balanceAfter = balance;
    r.powerOn = room.powerOn();
    r.creditedAt = now;
    recharges.insert(serial, r);
    room.recharges.append(serial);
    saveRoomLocked(room);
    store.stage(RechargeKind, serial, rechargeFields(r));
    qCInfo(lcSandbox).noquote() << "utility sandbox: room" << room.id << "credited" << utility
                                << formatYuan(*amount) << "serial" << serial << "balance"
                                << formatYuan(balance);
    if (!wasOn && room.powerOn())
        qCInfo(lcSandbox).noquote() << "utility sandbox: room" << room.id << "power on";
    return rechargeFields(r);
}

QJsonObject UtilitySandbox::State::opRechargeQuery(const QJsonObject &m)
{
    const QString serial = stringField(m, field::serial).value_or(QString());
    if (!utility::isValidSerial(serial))
        throw Refusal {retcode::invalidParameter, QStringLiteral("serial")};
    std::lock_guard lock(mutex);
    const auto it = recharges.constFind(serial);
    if (it == recharges.cend())
        return {{field::serial, serial}, {field::rechargeStatus, QString(utility::NotFound)}};
    QJsonObject a = rechargeFields(*it);
    a.insert(field::rechargeStatus, QString(utility::Credited));
    return a;
}

HttpResponse UtilitySandbox::State::simulateFault(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    Fault mode = Fault::None;
    const bool known = body && faultFromName(body->value(QLatin1String("mode")).toString(), &mode);
    const QJsonValue countValue = body ? body->value(QLatin1String("count")) : QJsonValue();
    const qint64 count =
        countValue.isUndefined() ? 0 : integerField(*body, QLatin1String("count")).value_or(-1);
    if (!known || count < 0 || count > 1000) {
        QStringList names;
        for (const FaultName &f : FaultNames)
            names.append(f.name);
        return controlError(400, retcode::invalidParameter,
                            QStringLiteral("mode one of %1 and count 0..1000 (0: until NONE)")
                                .arg(names.join(QLatin1String(", "))));
    }
    {
        std::lock_guard lock(mutex);
        fault = mode;
        faultLeft = mode == Fault::None ? 0 : int(count);
    }
    qCInfo(lcSandbox).noquote() << "utility sandbox: next recharges" << faultName(mode)
                                << (count ? QString::number(count) : QStringLiteral("until NONE"));
    return controlAnswer(
        200, {{QStringLiteral("mode"), faultName(mode)}, {QStringLiteral("count"), count}});
}

HttpResponse UtilitySandbox::State::simulateRoom(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    if (!body)
        return controlError(400, retcode::invalidParameter, QStringLiteral("JSON object expected"));
    const QString roomId = body->value(QLatin1String("roomId")).toString();
    std::optional<qint64> electricity, water;
    std::optional<bool> closed, frozen;
    for (const auto &[key, target] : {std::pair {QLatin1String("electricity"), &electricity},
                                      std::pair {QLatin1String("water"), &water}}) {
        if (!body->contains(key))
            continue;
        *target = integerField(*body, key);
        if (!*target || **target < -MaxBalance || **target > MaxBalance)
            return controlError(400, retcode::invalidParameter,
                                QLatin1String(key) + QStringLiteral(": integer fen"));
    }
    for (const auto &[key, target] : {std::pair {QLatin1String("closed"), &closed},
                                      std::pair {QLatin1String("frozen"), &frozen}}) {
        if (!body->contains(key))
            continue;
        if (!body->value(key).isBool())
            return controlError(400, retcode::invalidParameter,
                                QLatin1String(key) + QStringLiteral(": true or false"));
        *target = body->value(key).toBool();
    }
    QJsonObject answer;
    {
        std::lock_guard lock(mutex);
        auto it = rooms.find(roomId);
        if (it == rooms.end())
            return controlError(404, retcode::roomNotFound, roomId);
        Room &room = it.value();
        if (electricity)
            room.electricity = *electricity;
        if (water)
            room.water = *water;
        if (closed)
            room.closed = *closed;
        if (frozen)
            room.frozen = *frozen;
        room.updatedAt = nowSeconds();
        saveRoomLocked(room);
        answer = roomJsonLocked(room);
    }
    persist();
    qCInfo(lcSandbox).noquote() << "utility sandbox: room" << roomId << "set to"
                                << QJsonDocument(*body).toJson(QJsonDocument::Compact);
    return controlAnswer(200, answer);
}

HttpResponse UtilitySandbox::State::simulateUsage(const HttpRequest &request)
{
    const auto body = jsonObjectBody(request.body);
    if (!body)
        return controlError(400, retcode::invalidParameter, QStringLiteral("JSON object expected"));
    const QString roomId = body->value(QLatin1String("roomId")).toString();
    const QString utility = body->value(QLatin1String("utility")).toString();
    const auto amount = integerField(*body, QLatin1String("amount"));
    if (utility != utility::Electricity && utility != utility::Water)
        return controlError(400, retcode::invalidParameter,
                            QStringLiteral("utility: ELECTRICITY or WATER"));
    if (!amount || *amount < 1 || *amount > utility::MaxRechargeAmount)
        return controlError(400, retcode::invalidParameter,
                            QStringLiteral("amount: 1..10000000 fen"));
    QJsonObject answer;
    {
        std::lock_guard lock(mutex);
        auto it = rooms.find(roomId);
        if (it == rooms.end())
            return controlError(404, retcode::roomNotFound, roomId);
        const qint64 used = consumeLocked(it.value(), utility, *amount, nowSeconds());
        answer = roomJsonLocked(it.value());
        answer.insert(QStringLiteral("used"), used);
    }
    persist();
    return controlAnswer(200, answer);
}

HttpResponse UtilitySandbox::State::simulateGetRoom(const HttpRequest &request) const
{
    const QString roomId = request.pathParams.value(QStringLiteral("roomId"));
    std::lock_guard lock(mutex);
    const auto it = rooms.constFind(roomId);
    if (it == rooms.cend())
        return controlError(404, retcode::roomNotFound, roomId);
    return controlAnswer(200, roomJsonLocked(it.value()));
}

// ---- UtilitySandboxOptions ----------------------------------------------------------------------

UtilitySandboxOptions UtilitySandboxOptions::fromConfig(const Config &config)
{
    UtilitySandboxOptions o;
    o.partnerId = config.sandboxUtilityPartnerId();
    o.partnerKey = config.sandboxUtilityPartnerKey().toUtf8();
    o.stateDir = QDir(config.dataDir()).filePath(QStringLiteral("sandbox"));
    o.usageIntervalMs = config.sandboxUtilityUsageIntervalMs();
    return o;
}

// ---- UtilitySandbox -----------------------------------------------------------------------------

UtilitySandbox::UtilitySandbox(UtilitySandboxOptions options)
    : d(std::make_unique<State>(std::move(options)))
{
    d->load();
    d->clock = std::thread([state = d.get()] { state->runClock(); });
}

UtilitySandbox::~UtilitySandbox()
{
    d->stop();
}

const UtilitySandboxOptions &UtilitySandbox::options() const
{
    return d->o;
}

QString UtilitySandbox::stateFilePath() const
{
    return d->store.path();
}

std::optional<UtilitySandboxRoom> UtilitySandbox::room(const QString &roomId) const
{
    std::lock_guard lock(d->mutex);
    const auto it = d->rooms.constFind(roomId);
    if (it == d->rooms.cend())
        return std::nullopt;
    return d->roomStateLocked(it.value());
}

void UtilitySandbox::addRoutes(Router &router, State *state,
                               std::shared_ptr<UtilitySandbox> keepAlive)
{
    const QString prefix = state->o.pathPrefix;
    auto endpoint = [&](QLatin1String path, State::Operation op) {
        router.add("POST", prefix + path, HandlerMode::Blocking,
                   [state, keepAlive, path, op](const HttpRequest &r) {
                       return state->endpoint(r, path, op);
                   });
    };
    endpoint(upath::roomsQuery, &State::opRooms);
    endpoint(upath::balanceQuery, &State::opBalance);
    endpoint(upath::usageQuery, &State::opUsage);
    endpoint(upath::recharge, &State::opRecharge);
    endpoint(upath::rechargeQuery, &State::opRechargeQuery);

    router.add("POST", prefix + QStringLiteral("/simulate/fault"), HandlerMode::Blocking,
               [state, keepAlive](const HttpRequest &r) { return state->simulateFault(r); });
    router.add("POST", prefix + QStringLiteral("/simulate/room"), HandlerMode::Blocking,
               [state, keepAlive](const HttpRequest &r) { return state->simulateRoom(r); });
    router.add("POST", prefix + QStringLiteral("/simulate/usage"), HandlerMode::Blocking,
               [state, keepAlive](const HttpRequest &r) { return state->simulateUsage(r); });
    router.add("GET", prefix + QStringLiteral("/simulate/rooms/{roomId}"), HandlerMode::Blocking,
               [state, keepAlive](const HttpRequest &r) { return state->simulateGetRoom(r); });
}

void UtilitySandbox::registerRoutes(Router &router)
{
    addRoutes(router, d.get(), nullptr);
}

std::shared_ptr<UtilitySandbox> UtilitySandbox::mount(Router &router, UtilitySandboxOptions options)
{
    if (options.partnerId.isEmpty() || options.partnerKey.isEmpty()) {
        qCWarning(lcSandbox) << "utility sandbox not mounted: sandbox.utility_partner_id or "
                                "sandbox.utility_partner_key is empty";
        return nullptr;
    }
    auto sandbox = std::make_shared<UtilitySandbox>(std::move(options));
    addRoutes(router, sandbox->d.get(), sandbox);
    qCInfo(lcSandbox).noquote() << "utility sandbox mounted at" << sandbox->options().pathPrefix
                                << "state:"
                                << (sandbox->stateFilePath().isEmpty() ? QStringLiteral("in memory")
                                                                       : sandbox->stateFilePath())
                                << "usage every" << sandbox->options().usageIntervalMs << "ms";
    return sandbox;
}

} // namespace pomelo
