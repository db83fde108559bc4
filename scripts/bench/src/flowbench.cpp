// Complete booking flows per second (book → sign → cashier → simulated e-card pay → booking PAID)
// with N concurrent users against a running server, beside GET /healthz of the same server at the
// same concurrency. Every user is an asynchronous state machine with its own
// QNetworkAccessManager, all on one event loop, so the client costs one core at most.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDate>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTextStream>
#include <QTime>
#include <QTimeZone>
#include <QTimer>

#include <algorithm>
#include <functional>
#include <memory>
#include <unistd.h>
#include <vector>

namespace pomelo {
namespace {

constexpr int SlotsPerDay = 28; // 08:00–22:00 on a 30-minute grid
constexpr int Days = 7; // tomorrow .. +6
constexpr int PaidTimeoutMs = 30000;
constexpr int MaxErrorsKept = 3;

struct Options
{
    QUrl base;
    QUrl sandbox; ///< where the channel sandboxes answer (the server itself, or their own process)
    int users = 8;
    int flowsPerUser = 20;
    int firstVenue = 1001;
    int lastVenue = 1400;
    int healthzMs = 3000;
    int pollMs = 0; ///< 0: wait for PAID with one long poll (waitWhile), else poll this often
    qint64 durationMs = 0; ///< > 0: users run flows until then instead of flowsPerUser each (soak)
    QString channel = QStringLiteral("ECARD"); ///< or WECHAT_JSAPI
    /// A utility top-up (bind a room, top up, pay, wait for DELIVERED) instead of a booking.
    bool topup = false;
    qint64 serverPid = 0; ///< CPU accounted over the flow phase when set
    qint64 sandboxPid = 0;
};

/// User + system CPU seconds of @p pid so far (`/proc/<pid>/stat` fields 14 and 15); -1 when
/// unreadable.
double cpuSeconds(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (pid <= 0 || !f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = f.readAll();
    // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    const double ticks = double(sysconf(_SC_CLK_TCK));
    return (fields.at(11).toDouble() + fields.at(12).toDouble()) / ticks;
}

struct Results
{
    std::vector<qint64> flowNs;
    int failed = 0;
    QStringList errors;
    qint64 healthzRequests = 0;
    qint64 healthzFailed = 0;
    qint64 nextSlot = 0; ///< every flow of every user takes the next free slot

    void fail(const QString &what)
    {
        ++failed;
        if (errors.size() < MaxErrorsKept)
            errors << what;
    }
};

using Callback = std::function<void(int status, const QByteArray &body)>;

/// One client with its own connection pool; requests are sent one after the other.
class Client
{
public:
    Client(const QUrl &base)
        : m_base(base)
    { }

    void setToken(const QByteArray &token) { m_token = token; }

    void send(const QByteArray &verb, const QString &path, const QByteArray &body, Callback done)
    {
        QUrl url = m_base;
        const qsizetype query = path.indexOf(QLatin1Char('?'));
        url.setPath(query < 0 ? path : path.left(query));
        if (query >= 0)
            url.setQuery(path.mid(query + 1));
        QNetworkRequest req(url);
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        if (!m_token.isEmpty())
            req.setRawHeader(QByteArrayLiteral("Authorization"), "Bearer " + m_token);
        QNetworkReply *reply = m_nam.sendCustomRequest(req, verb, body);
        QObject::connect(reply, &QNetworkReply::finished, reply, [reply, done = std::move(done)] {
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            QByteArray data = reply->readAll();
            if (status == 0)
                data = reply->errorString().toUtf8();
            done(status, data);
        });
    }

private:
    QUrl m_base;
    QByteArray m_token;
    QNetworkAccessManager m_nam;
};

QJsonObject parse(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QString describe(const char *step, int status, const QByteArray &body)
{
    return QStringLiteral("%1: HTTP %2 %3")
        .arg(QLatin1String(step))
        .arg(status)
        .arg(QString::fromUtf8(body.left(300)));
}

/// A user logs in, fills in its profile, then runs its flows one after the other, each on a slot
/// no other flow uses.
class User
{
public:
    User(const Options &options, int index, Results &results, QElapsedTimer &clock,
         std::function<void()> finished)
        : m_options(options)
        , m_index(index)
        , m_results(results)
        , m_clock(clock)
        , m_finished(std::move(finished))
        , m_client(options.base)
        , m_sandbox(options.sandbox)
    { }

    void start()
    {
        m_client.send(
            "POST", QStringLiteral("/api/v1/auth/login"),
            compact({{QStringLiteral("code"), QStringLiteral("u-flowbench%1").arg(m_index)}}),
            [this](int status, const QByteArray &body) {
                const QByteArray token =
                    parse(body).value(QStringLiteral("token")).toString().toLatin1();
                if (status != 200 || token.isEmpty())
                    return abort(describe("login", status, body));
                m_client.setToken(token);
                setProfile();
            });
    }

private:
    QString studentId() const
    {
        return QStringLiteral("B2204%1").arg(m_index, 4, 10, QLatin1Char('0'));
    }

    void setProfile()
    {
        const QJsonObject me {{QStringLiteral("studentId"), studentId()},
                              {QStringLiteral("name"), QStringLiteral("Bench %1").arg(m_index)},
                              {QStringLiteral("phone"),
                               QStringLiteral("138%1").arg(m_index, 8, 10, QLatin1Char('0'))}};
        m_client.send("PUT", QStringLiteral("/api/v1/me"), compact(me),
                      [this](int status, const QByteArray &body) {
                          if (status != 200)
                              return abort(describe("profile", status, body));
                          fundCard();
                      });
    }

    /// The demo card holds ¥500: enough for 50 flows. The bench sets a balance for any count.
    void fundCard()
    {
        if (m_options.channel != QLatin1String("ECARD"))
            return bindRoom();
        m_sandbox.send("POST", QStringLiteral("/sandbox/ecard/simulate/balance"),
                       compact({{QStringLiteral("studentNo"), studentId()},
                                {QStringLiteral("balance"), qint64(100'000'000)}}),
                       [this](int status, const QByteArray &body) {
                           if (status != 200)
                               return abort(describe("card balance", status, body));
                           bindRoom();
                       });
    }

    /// Top-ups: each user binds one of the sandbox's 36 demo rooms (several users share one, as
    /// roommates do).
    void bindRoom()
    {
        if (!m_options.topup)
            return nextFlow();
        static const char *const Buildings[] = {"ZY1", "ZY2", "MY3"};
        const int n = m_index % 30; // MY3-206 is closed in the sandbox: never bound here
        const QString roomId = QStringLiteral("%1-%2%3")
                                   .arg(QLatin1String(Buildings[n / 12]))
                                   .arg(1 + (n % 12) / 6)
                                   .arg(n % 6 + 1, 2, 10, QLatin1Char('0'));
        m_client.send("PUT", QStringLiteral("/api/v1/me/room"),
                      compact({{QStringLiteral("roomId"), roomId}}),
                      [this](int status, const QByteArray &body) {
                          if (status != 200)
                              return abort(describe("bind room", status, body));
                          nextFlow();
                      });
    }

    QString kind() const
    {
        return m_options.topup ? QStringLiteral("topups") : QStringLiteral("bookings");
    }

    /// Every flow of every user gets its own slot: venues first, then times, then days.
    QJsonObject slotFor(qint64 global) const
    {
        const int venues = m_options.lastVenue - m_options.firstVenue + 1;
        const int k = int(global / venues);
        const QDate day = QDateTime::currentDateTimeUtc()
                              .toTimeZone(QTimeZone(QByteArrayLiteral("Asia/Shanghai")))
                              .date()
                              .addDays(1 + k / SlotsPerDay);
        const QTime from = QTime(8, 0).addSecs((k % SlotsPerDay) * 30 * 60);
        return {
            {QStringLiteral("venueId"), m_options.firstVenue + int(global % venues)},
            {QStringLiteral("date"), day.toString(Qt::ISODate)},
            {QStringLiteral("startTime"), from.toString(QStringLiteral("HH:mm"))},
            {QStringLiteral("endTime"), from.addSecs(30 * 60).toString(QStringLiteral("HH:mm"))}};
    }

    void nextFlow()
    {
        const bool done = m_options.durationMs > 0
            ? m_clock.nsecsElapsed() / 1000000 >= m_options.durationMs
            : m_flow >= m_options.flowsPerUser;
        const qint64 capacity =
            qint64(m_options.lastVenue - m_options.firstVenue + 1) * SlotsPerDay * Days;
        if (done || m_results.nextSlot >= capacity)
            return m_finished();
        ++m_flow;
        const QJsonObject request = m_options.topup
            ? QJsonObject {{QStringLiteral("utility"), QStringLiteral("ELECTRICITY")},
                           {QStringLiteral("amount"), 1000}}
            : slotFor(m_results.nextSlot++);
        m_flowStart = m_clock.nsecsElapsed();
        m_client.send("POST", QStringLiteral("/api/v1/") + kind(), compact(request),
                      [this](int status, const QByteArray &body) {
                          const QString id = parse(body).value(QStringLiteral("id")).toString();
                          if (status != 201 || id.isEmpty())
                              return failFlow(describe("book", status, body));
                          sign(id);
                      });
    }

    void sign(const QString &bookingId)
    {
        m_client.send("POST", QStringLiteral("/api/v1/%1/%2/sign").arg(kind(), bookingId), {},
                      [this, bookingId](int status, const QByteArray &body) {
                          QJsonObject cashier =
                              parse(body).value(QStringLiteral("cashier")).toObject();
                          if (status != 200 || cashier.isEmpty())
                              return failFlow(describe("sign", status, body));
                          cashier.insert(QStringLiteral("channel"), m_options.channel);
                          pay(bookingId, cashier);
                      });
    }

    void pay(const QString &bookingId, const QJsonObject &cashier)
    {
        m_client.send("POST", QStringLiteral("/pay/v1/cashier"), compact(cashier),
                      [this, bookingId](int status, const QByteArray &body) {
                          const QJsonObject params =
                              parse(body).value(QStringLiteral("payParams")).toObject();
                          const bool wechat = m_options.channel == QLatin1String("WECHAT_JSAPI");
                          // WeChat's prepay id travels in `package` ("prepay_id=…").
                          const QString prepayId = wechat
                              ? params.value(QStringLiteral("package")).toString().section(u'=', 1)
                              : params.value(QStringLiteral("prepayId")).toString();
                          if (status != 200 || prepayId.isEmpty())
                              return failFlow(describe("cashier", status, body));
                          m_sandbox.send(
                              "POST",
                              wechat ? QStringLiteral("/sandbox/wechat/simulate/pay")
                                     : QStringLiteral("/sandbox/ecard/simulate/pay"),
                              compact({{QStringLiteral("prepayId"), prepayId},
                                       {QStringLiteral("result"), QStringLiteral("SUCCESS")}}),
                              [this, bookingId](int payStatus, const QByteArray &payBody) {
                                  if (payStatus != 200)
                                      return failFlow(describe("simulate pay", payStatus, payBody));
                                  pollPaid(bookingId);
                              });
                      });
    }

    void pollPaid(const QString &bookingId)
    {
        // As the mini-program waits after paying: one request the server answers when the
        // booking leaves PENDING_PAYMENT (or a plain poll every pollMs, to compare).
        // A top-up has no long poll: the page polls until the credit is DELIVERED.
        const int pollMs = m_options.topup && m_options.pollMs == 0 ? 20 : m_options.pollMs;
        const QString query =
            pollMs > 0 ? QString() : QStringLiteral("?waitWhile=PENDING_PAYMENT&waitSeconds=20");
        m_client.send("GET", QStringLiteral("/api/v1/%1/").arg(kind()) + bookingId + query, {},
                      [this, bookingId, pollMs](int status, const QByteArray &body) {
                          if (status != 200)
                              return failFlow(describe("get booking", status, body));
                          const QString state =
                              parse(body).value(QStringLiteral("status")).toString();
                          const QLatin1String done(m_options.topup ? "DELIVERED" : "PAID");
                          if (state == done) {
                              m_results.flowNs.push_back(m_clock.nsecsElapsed() - m_flowStart);
                              return nextFlow();
                          }
                          const bool waiting = state == QLatin1String("PENDING_PAYMENT")
                              || (m_options.topup && state == QLatin1String("PAID"));
                          if (!waiting)
                              return failFlow(describe("status", status, body));
                          if ((m_clock.nsecsElapsed() - m_flowStart) / 1000000 > PaidTimeoutMs)
                              return failFlow(describe("not PAID in time", status, body));
                          QTimer::singleShot(pollMs, [this, bookingId] { pollPaid(bookingId); });
                      });
    }

    void failFlow(const QString &what)
    {
        m_results.fail(QStringLiteral("user %1: ").arg(m_index) + what);
        nextFlow();
    }

    /// Without a session none of the user's flows can run: they all count as failed.
    void abort(const QString &what)
    {
        for (int i = 0; i < m_options.flowsPerUser; ++i)
            m_results.fail(QStringLiteral("user %1: ").arg(m_index) + what);
        m_finished();
    }

    const Options &m_options;
    const int m_index;
    Results &m_results;
    QElapsedTimer &m_clock;
    std::function<void()> m_finished;
    Client m_client;
    Client m_sandbox; ///< the simulated student's side of the channel
    int m_flow = 0;
    qint64 m_flowStart = 0;
};

/// GET /healthz back to back until the deadline.
class HealthzLoop
{
public:
    HealthzLoop(const Options &options, Results &results, QElapsedTimer &clock, qint64 deadlineNs,
                std::function<void()> finished)
        : m_results(results)
        , m_clock(clock)
        , m_deadlineNs(deadlineNs)
        , m_finished(std::move(finished))
        , m_client(options.base)
    { }

    void next()
    {
        if (m_clock.nsecsElapsed() >= m_deadlineNs)
            return m_finished();
        m_client.send("GET", QStringLiteral("/healthz"), {},
                      [this](int status, const QByteArray &) {
                          if (status == 200)
                              ++m_results.healthzRequests;
                          else
                              ++m_results.healthzFailed;
                          next();
                      });
    }

private:
    Results &m_results;
    QElapsedTimer &m_clock;
    qint64 m_deadlineNs;
    std::function<void()> m_finished;
    Client m_client;
};

bool parseRange(const QString &text, int &first, int &last)
{
    const QStringList parts = text.split(QLatin1Char('-'));
    bool okFirst = false;
    bool okLast = false;
    if (parts.size() == 2) {
        first = parts[0].toInt(&okFirst);
        last = parts[1].toInt(&okLast);
    }
    return okFirst && okLast && first <= last;
}

double percentileMs(const std::vector<qint64> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    const size_t i = std::min(sorted.size() - 1, size_t(p * double(sorted.size() - 1) + 0.5));
    return double(sorted[i]) / 1e6;
}

} // namespace
} // namespace pomelo

int main(int argc, char *argv[])
{
    using namespace pomelo;
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Complete booking flows per second beside GET /healthz."));
    parser.addHelpOption();
    const QCommandLineOption baseOpt(QStringLiteral("base"), QStringLiteral("server base URL"),
                                     QStringLiteral("url"));
    const QCommandLineOption sandboxOpt(
        QStringLiteral("sandbox"),
        QStringLiteral("base URL of the channel sandboxes (default: the server's)"),
        QStringLiteral("url"));
    const QCommandLineOption usersOpt(QStringLiteral("users"), QStringLiteral("concurrent users"),
                                      QStringLiteral("n"), QStringLiteral("8"));
    const QCommandLineOption flowsOpt(QStringLiteral("flows-per-user"),
                                      QStringLiteral("flows each user runs"), QStringLiteral("m"),
                                      QStringLiteral("20"));
    const QCommandLineOption venuesOpt(
        QStringLiteral("venues"), QStringLiteral("venue ids with a 30-minute grid, 08:00-22:00"),
        QStringLiteral("first-last"), QStringLiteral("1001-1400"));
    const QCommandLineOption healthzOpt(QStringLiteral("healthz-seconds"),
                                        QStringLiteral("duration of the /healthz phase"),
                                        QStringLiteral("s"), QStringLiteral("3"));
    const QCommandLineOption pollOpt(QStringLiteral("poll-ms"),
                                     QStringLiteral("poll for PAID this often instead of one long "
                                                    "poll (waitWhile=PENDING_PAYMENT)"),
                                     QStringLiteral("ms"), QStringLiteral("0"));
    const QCommandLineOption channelOpt(QStringLiteral("channel"),
                                        QStringLiteral("ECARD or WECHAT_JSAPI"),
                                        QStringLiteral("name"), QStringLiteral("ECARD"));
    parser.addOptions(
        {baseOpt, sandboxOpt, usersOpt, flowsOpt, venuesOpt, healthzOpt, pollOpt, channelOpt});
    const QCommandLineOption serverPidOpt(
        QStringLiteral("server-pid"),
        QStringLiteral("the server's pid: its CPU seconds over the flows are printed"),
        QStringLiteral("pid"));
    const QCommandLineOption sandboxPidOpt(
        QStringLiteral("sandbox-pid"),
        QStringLiteral("a separate sandbox's pid: its CPU seconds are printed too"),
        QStringLiteral("pid"));
    const QCommandLineOption durationOpt(
        QStringLiteral("duration-s"),
        QStringLiteral("run flows for this long instead of flows-per-user each (a soak)"),
        QStringLiteral("s"), QStringLiteral("0"));
    const QCommandLineOption flowOpt(
        QStringLiteral("flow"),
        QStringLiteral("booking (book, pay, PAID) or topup (top up, pay, DELIVERED)"),
        QStringLiteral("kind"), QStringLiteral("booking"));
    parser.addOptions({serverPidOpt, sandboxPidOpt, durationOpt, flowOpt});
    parser.process(app);

    QTextStream out(stdout);
    QTextStream err(stderr);
    Options options;
    options.base = QUrl(parser.value(baseOpt));
    options.sandbox = parser.isSet(sandboxOpt) ? QUrl(parser.value(sandboxOpt)) : options.base;
    options.users = parser.value(usersOpt).toInt();
    options.flowsPerUser = parser.value(flowsOpt).toInt();
    options.healthzMs = int(parser.value(healthzOpt).toDouble() * 1000);
    options.pollMs = parser.value(pollOpt).toInt();
    options.channel = parser.value(channelOpt);
    options.serverPid = parser.value(serverPidOpt).toLongLong();
    options.sandboxPid = parser.value(sandboxPidOpt).toLongLong();
    options.durationMs = qint64(parser.value(durationOpt).toDouble() * 1000);
    options.topup = parser.value(flowOpt) == QLatin1String("topup");
    if (!options.topup && parser.value(flowOpt) != QLatin1String("booking")) {
        err << "--flow is booking or topup\n";
        return 2;
    }
    if (!options.base.isValid() || options.base.scheme().isEmpty() || options.users < 1
        || options.flowsPerUser < 1 || options.healthzMs < 100
        || (options.channel != QLatin1String("ECARD")
            && options.channel != QLatin1String("WECHAT_JSAPI"))
        || !parseRange(parser.value(venuesOpt), options.firstVenue, options.lastVenue)) {
        err << "usage: flowbench --base URL --users N --flows-per-user M --venues FIRST-LAST "
               "[--channel ECARD|WECHAT_JSAPI]\n";
        return 2;
    }
    const qint64 capacity = qint64(options.lastVenue - options.firstVenue + 1) * SlotsPerDay * Days;
    if (options.durationMs == 0 && qint64(options.users) * options.flowsPerUser > capacity) {
        err << "not enough slots: " << capacity << " for " << options.users * options.flowsPerUser
            << " flows\n";
        return 2;
    }

    Results results;
    QElapsedTimer clock;
    clock.start();
    int running = options.users;
    std::vector<std::unique_ptr<User>> users;
    std::vector<std::unique_ptr<HealthzLoop>> loops;
    qint64 flowStartNs = 0;
    qint64 flowEndNs = 0;
    qint64 healthzStartNs = 0;
    qint64 healthzEndNs = 0;
    double serverCpu[2] = {cpuSeconds(options.serverPid), -1};
    double sandboxCpu[2] = {cpuSeconds(options.sandboxPid), -1};

    const auto startHealthz = [&] {
        running = options.users;
        healthzStartNs = clock.nsecsElapsed();
        const qint64 deadline = healthzStartNs + qint64(options.healthzMs) * 1000000;
        for (int i = 0; i < options.users; ++i) {
            loops.push_back(std::make_unique<HealthzLoop>(options, results, clock, deadline, [&] {
                if (--running == 0) {
                    healthzEndNs = clock.nsecsElapsed();
                    app.quit();
                }
            }));
        }
        for (const auto &loop : loops)
            loop->next();
    };

    for (int i = 0; i < options.users; ++i) {
        users.push_back(std::make_unique<User>(options, i, results, clock, [&] {
            if (--running == 0) {
                flowEndNs = clock.nsecsElapsed();
                serverCpu[1] = cpuSeconds(options.serverPid);
                sandboxCpu[1] = cpuSeconds(options.sandboxPid);
                QTimer::singleShot(0, startHealthz);
            }
        }));
    }
    // Logins and profiles are set-up, not flow: they share the clock's start but the flows/s
    // figure divides by the whole flow phase, which they are a small part of.
    flowStartNs = clock.nsecsElapsed();
    for (const auto &user : users)
        user->start();
    app.exec();

    std::sort(results.flowNs.begin(), results.flowNs.end());
    const double flowSeconds = double(flowEndNs - flowStartNs) / 1e9;
    const double healthzSeconds = double(healthzEndNs - healthzStartNs) / 1e9;
    const double flowsPerSecond = double(results.flowNs.size()) / flowSeconds;
    const double healthzPerSecond = double(results.healthzRequests) / healthzSeconds;
    out << QStringLiteral("users %1, flows per user %2, venues %3-%4\n")
               .arg(options.users)
               .arg(options.flowsPerUser)
               .arg(options.firstVenue)
               .arg(options.lastVenue);
    out << QStringLiteral("flows completed:  %1 in %2 s\n")
               .arg(results.flowNs.size())
               .arg(flowSeconds, 0, 'f', 2);
    out << QStringLiteral("flows/s:          %1\n").arg(flowsPerSecond, 0, 'f', 1);
    out << QStringLiteral("flow latency ms:  p50 %1   p99 %2   max %3\n")
               .arg(percentileMs(results.flowNs, 0.50), 0, 'f', 1)
               .arg(percentileMs(results.flowNs, 0.99), 0, 'f', 1)
               .arg(results.flowNs.empty() ? 0.0 : double(results.flowNs.back()) / 1e6, 0, 'f', 1);
    // Where a flow's time goes: the server's own CPU apart from the simulated channel's.
    const auto cpuLine = [&](const char *who, const double(&cpu)[2]) {
        if (cpu[0] < 0 || cpu[1] < 0)
            return;
        const double used = cpu[1] - cpu[0];
        out << QStringLiteral("%1 CPU s:   %2 over %3 s of flows (%4 cores busy), %5 ms per flow\n")
                   .arg(QLatin1String(who))
                   .arg(used, 0, 'f', 2)
                   .arg(flowSeconds, 0, 'f', 2)
                   .arg(used / flowSeconds, 0, 'f', 2)
                   .arg(results.flowNs.empty() ? 0.0 : 1000 * used / double(results.flowNs.size()),
                        0, 'f', 2);
    };
    cpuLine("server ", serverCpu);
    cpuLine("sandbox", sandboxCpu);
    out << QStringLiteral("healthz req/s:    %1   (%2 requests, %3 failed, %4 s)\n")
               .arg(healthzPerSecond, 0, 'f', 1)
               .arg(results.healthzRequests)
               .arg(results.healthzFailed)
               .arg(healthzSeconds, 0, 'f', 2);
    out << QStringLiteral("ratio flows/healthz: %1\n")
               .arg(healthzPerSecond > 0 ? flowsPerSecond / healthzPerSecond : 0.0, 0, 'f', 4);
    out << QStringLiteral("failed flows:     %1\n").arg(results.failed);
    for (const QString &e : std::as_const(results.errors))
        out << "  " << e << '\n';
    out.flush();
    return results.failed == 0 ? 0 : 1;
}
