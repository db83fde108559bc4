#include "venuecommands.h"

#include "booking/venueservice.h"
#include "config/config.h"
#include "domain/bookingpolicy.h"
#include "domain/errors.h"
#include "domain/snowflake.h"
#include "domain/statemachine.h"
#include "storage/auditrepository.h"
#include "storage/database.h"
#include "storage/migrations.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace pomelo {

namespace {

const char Usage[] =
    "usage: venue list | venue add --name N --sport S --open-from HH:MM --open-to HH:MM "
    "--slot-minutes M --price CENTS | venue edit ID [--name N] [--sport S] [--open-from HH:MM] "
    "[--open-to HH:MM] [--slot-minutes M] [--price CENTS] [--active true|false] | venue close ID "
    "--from RFC3339 --to RFC3339 [--days 1,3,5] [--daily-from HH:MM --daily-to HH:MM] --reason R";

void out(const QJsonValue &v)
{
    const QJsonDocument doc =
        v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject());
    std::fputs(doc.toJson(QJsonDocument::Compact).constData(), stdout);
    std::fputs("\n", stdout);
}

int fail(const QString &text)
{
    std::fputs(qUtf8Printable(QStringLiteral("pomelo-server venue: ") + text + u'\n'), stderr);
    return 2;
}

QString rfc(qint64 ms, const QTimeZone &zone)
{
    return QDateTime::fromMSecsSinceEpoch(ms, zone).toString(Qt::ISODateWithMs);
}

QJsonObject venueJson(const Venue &v)
{
    return {{QStringLiteral("id"), v.id},
            {QStringLiteral("name"), v.name},
            {QStringLiteral("sport"), v.sport},
            {QStringLiteral("openFrom"), v.openFrom},
            {QStringLiteral("openTo"), v.openTo},
            {QStringLiteral("slotMinutes"), v.slotMinutes},
            {QStringLiteral("pricePerSlot"), v.pricePerSlot},
            {QStringLiteral("active"), v.active}};
}

QJsonObject closureJson(const ClosureView &view, const QTimeZone &zone)
{
    const VenueClosure &c = view.closure;
    QJsonObject closure {{QStringLiteral("id"), c.id},
                         {QStringLiteral("venueId"), c.venueId},
                         {QStringLiteral("from"), rfc(c.times.startsAtMs, zone)},
                         {QStringLiteral("to"), rfc(c.times.endsAtMs, zone)},
                         {QStringLiteral("reason"), c.reason},
                         {QStringLiteral("state"), closureStateName(c.state)}};
    const QList<int> days = daysList(c.times.days);
    if (!days.isEmpty()) {
        QJsonArray list;
        for (const int d : days)
            list.append(d);
        closure.insert(QStringLiteral("days"), list);
    }
    QJsonArray bookings;
    for (const Booking &b : view.bookings)
        bookings.append(QJsonObject {{QStringLiteral("bookingId"), snowflakeToString(b.id)},
                                     {QStringLiteral("userId"), QString::number(b.userId)},
                                     {QStringLiteral("date"), b.date},
                                     {QStringLiteral("startTime"), b.startTime},
                                     {QStringLiteral("endTime"), b.endTime},
                                     {QStringLiteral("status"), statusName(b.status)},
                                     {QStringLiteral("amount"), b.amount}});
    return {{QStringLiteral("id"), c.id},
            {QStringLiteral("closure"), closure},
            {QStringLiteral("affectedBookings"), bookings.size()},
            {QStringLiteral("bookings"), bookings}};
}

QString actor()
{
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = qEnvironmentVariable("LOGNAME", QStringLiteral("unknown"));
    return QStringLiteral("cli:") + user;
}

void audit(Database &db, const QString &action, const QString &target, const QString &reason,
           const QJsonObject &details)
{
    AuditEntry e;
    e.actor = actor();
    e.action = action;
    e.target = target;
    e.reason = reason;
    e.remoteAddress = QStringLiteral("command-line");
    QJsonObject d = details;
    d.insert(QStringLiteral("outcome"), QStringLiteral("ok"));
    e.details = QJsonDocument(d).toJson(QJsonDocument::Compact);
    AuditRepository(db).append(e);
}

int intOption(const QCommandLineParser &p, const QString &name, qint64 min, qint64 max,
              qint64 *value)
{
    bool ok = false;
    const qint64 v = p.value(name).toLongLong(&ok);
    if (!ok || v < min || v > max)
        return fail(QStringLiteral("--%1 is not an integer in %2..%3").arg(name).arg(min).arg(max));
    *value = v;
    return 0;
}

/// Lays the options given over @p draft; non-zero: the exit code of a bad one.
int draftFrom(const QCommandLineParser &p, VenueDraft &draft)
{
    const auto text = [&](const char *name, QString &field) {
        if (p.isSet(QString::fromLatin1(name)))
            field = p.value(QString::fromLatin1(name));
    };
    text("name", draft.name);
    text("sport", draft.sport);
    text("open-from", draft.openFrom);
    text("open-to", draft.openTo);
    qint64 v = 0;
    if (p.isSet(QStringLiteral("slot-minutes"))) {
        if (intOption(p, QStringLiteral("slot-minutes"), 5, 720, &v))
            return 2;
        draft.slotMinutes = int(v);
    }
    if (p.isSet(QStringLiteral("price"))) {
        if (intOption(p, QStringLiteral("price"), 1, 100000000, &v))
            return 2;
        draft.pricePerSlot = v;
    }
    if (p.isSet(QStringLiteral("active"))) {
        const QString a = p.value(QStringLiteral("active"));
        if (a != QLatin1String("true") && a != QLatin1String("false"))
            return fail(QStringLiteral("--active is true or false"));
        draft.active = a == QLatin1String("true");
    }
    return 0;
}

qint64 instant(const QCommandLineParser &p, const QString &name)
{
    const QDateTime t = QDateTime::fromString(p.value(name), Qt::ISODateWithMs);
    if (!t.isValid() || t.timeSpec() == Qt::LocalTime)
        throw Error(ErrorCode::InvalidParameter,
                    QStringLiteral("--%1 is not an RFC 3339 time with offset").arg(name));
    return t.toMSecsSinceEpoch();
}

qint64 venueIdArg(const QStringList &args)
{
    bool ok = false;
    const qint64 id = args.value(1).toLongLong(&ok);
    if (!ok || id <= 0)
        throw Error(ErrorCode::InvalidParameter, QString::fromLatin1(Usage));
    return id;
}

} // namespace

QList<QCommandLineOption> venueCommandOptions()
{
    const auto o = [](const char *name, const char *description, const char *value) {
        return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(description),
                                  QString::fromLatin1(value));
    };
    return {o("sport", "venue add/edit: badminton, basketball, … ([a-z][a-z0-9_]*).", "SPORT"),
            o("open-from", "venue add/edit: opening time.", "HH:MM"),
            o("open-to", "venue add/edit: closing time (24:00 allowed).", "HH:MM"),
            o("slot-minutes", "venue add/edit: slot length, a multiple of 5.", "MINUTES"),
            o("price", "venue add/edit: price per slot in cents.", "CENTS"),
            o("active", "venue edit: true or false (out of service).", "BOOL"),
            o("from", "venue close: start (RFC 3339 with offset).", "TIME"),
            o("to", "venue close: end, exclusive (RFC 3339 with offset).", "TIME"),
            o("days", "venue close: only these ISO weekdays (1 = Monday).", "LIST"),
            o("daily-from", "venue close: only from this time of each day.", "HH:MM"),
            o("daily-to", "venue close: only until this time of each day.", "HH:MM"),
            o("reason", "venue add/edit/close: why (the audit log; students read a closure's).",
              "TEXT")};
}

int runVenueCommand(const Config &config, const QStringList &args, const QCommandLineParser &parser)
{
    const QString sub = args.value(0);
    static const QStringList subs {QStringLiteral("list"), QStringLiteral("add"),
                                   QStringLiteral("edit"), QStringLiteral("close")};
    if (!subs.contains(sub))
        return fail(QString::fromLatin1(Usage));
    const QString reason = parser.value(QStringLiteral("reason"));
    try {
        QDir().mkpath(config.dataDir());
        Database db(config.databaseUrl());
        Migrator(db).migrate();
        VenueService venues(db, config.timeZone());
        if (sub == QLatin1String("list")) {
            QJsonArray list;
            const QList<Venue> all = venues.list();
            for (const Venue &v : all)
                list.append(venueJson(v));
            out(list);
            return 0;
        }
        if (sub == QLatin1String("add")) {
            VenueDraft draft;
            draft.slotMinutes = 0;
            if (const int rc = draftFrom(parser, draft))
                return rc;
            const Venue v = venues.create(draft);
            audit(db, QStringLiteral("venue.create"), QStringLiteral("venue:%1").arg(v.id), reason,
                  {{QStringLiteral("venueId"), v.id}, {QStringLiteral("after"), venueJson(v)}});
            out(venueJson(v));
            return 0;
        }
        const qint64 id = venueIdArg(args);
        if (sub == QLatin1String("edit")) {
            const Venue before = venues.get(id);
            VenueDraft draft {before.name,   before.sport,       before.openFrom,
                              before.openTo, before.slotMinutes, before.pricePerSlot,
                              std::nullopt};
            if (const int rc = draftFrom(parser, draft))
                return rc;
            const Venue v = venues.update(id, draft);
            audit(db, QStringLiteral("venue.update"), QStringLiteral("venue:%1").arg(id), reason,
                  {{QStringLiteral("venueId"), id},
                   {QStringLiteral("before"), venueJson(before)},
                   {QStringLiteral("after"), venueJson(v)}});
            out(venueJson(v));
            return 0;
        }
        ClosureDraft draft;
        draft.startsAtMs = instant(parser, QStringLiteral("from"));
        draft.endsAtMs = instant(parser, QStringLiteral("to"));
        draft.reason = reason;
        const QStringList days =
            parser.value(QStringLiteral("days")).split(u',', Qt::SkipEmptyParts);
        for (const QString &d : days) {
            bool ok = false;
            draft.days.append(d.trimmed().toInt(&ok));
            if (!ok)
                return fail(QStringLiteral("--days is a list of 1..7"));
        }
        draft.dailyFrom = parser.value(QStringLiteral("daily-from"));
        draft.dailyTo = parser.value(QStringLiteral("daily-to"));
        const ClosureView view =
            venues.createClosure(id, draft, actor(), QDateTime::currentDateTimeUtc());
        const QJsonObject result = closureJson(view, config.timeZone());
        audit(db, QStringLiteral("venue.closure.create"), QStringLiteral("venue:%1").arg(id),
              view.closure.reason,
              {{QStringLiteral("venueId"), id},
               {QStringLiteral("closureId"), view.closure.id},
               {QStringLiteral("closure"), result.value(QStringLiteral("closure"))},
               {QStringLiteral("affectedBookings"), view.bookings.size()}});
        out(result);
        return 0;
    } catch (const Error &e) {
        return fail(e.detail());
    }
}

} // namespace pomelo
