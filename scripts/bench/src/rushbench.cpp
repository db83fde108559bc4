// The 08:00 rush from outside: STUDENTS students, each with their own token and their own
// keep-alive connection, ask within one second of the opening instant for the hourly slots of a
// row of courts that open at that instant, ten students per slot with overlapping ranges among
// them. Prints the answers by status and code, dropped connections, answer times (p50/p90/p99/max
// from each request's send) and when the last answer came (from the opening instant).
//
// Each student is a small HTTP/1.1 client on its own QTcpSocket (QNetworkAccessManager pools and
// limits connections per host; a student here is one phone with one connection). All on one event
// loop: the client costs one core at most.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <functional>
#include <memory>
#include <sys/resource.h>
#include <vector>

namespace pomelo {
namespace {

constexpr int PrepareInFlight = 64; // students logging in at once before the opening
constexpr int KeepAliveMs = 12000; // under the server's 30 s idle timeout
constexpr int AnswerTimeoutMs = 30000;

struct Options
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 0;
    int students = 2000;
    int firstVenue = 2001;
    int courts = 20;
    int firstHour = 8;
    int hours = 10; ///< hourly slots per court
    QString date; ///< the day that opens
    qint64 openAtMs = 0; ///< the opening instant, ms since the epoch
    int spreadMs = 1000; ///< students fire within this long after the opening
};

using Done = std::function<void(int status, const QByteArray &body)>;

/// One connection, one request at a time, keep-alive. Status 0: the connection failed or closed
/// before the answer (a dropped connection).
class Connection
{
public:
    Connection(const Options &options)
        : m_options(options)
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket, [this] { onRead(); });
        QObject::connect(&m_socket, &QTcpSocket::disconnected, &m_socket, [this] { fail(); });
        QObject::connect(&m_socket, &QTcpSocket::errorOccurred, &m_socket,
                         [this](QAbstractSocket::SocketError) { fail(); });
    }

    int connects() const { return m_connects; }

    void send(const QByteArray &method, const QByteArray &path, const QByteArray &token,
              const QByteArray &body, Done done)
    {
        QByteArray req = method + ' ' + path + " HTTP/1.1\r\nHost: " + m_options.host.toLatin1()
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n";
        if (!token.isEmpty())
            req += "Authorization: Bearer " + token + "\r\n";
        req += "\r\n" + body;
        m_buffer.clear();
        if (m_socket.state() != QAbstractSocket::ConnectedState
            && m_socket.state() != QAbstractSocket::ConnectingState
            && m_socket.state() != QAbstractSocket::HostLookupState) {
            ++m_connects;
            m_socket.abort(); // before m_done: a stale disconnect must not answer this request
            m_socket.connectToHost(m_options.host, m_options.port);
        }
        m_done = std::move(done);
        m_socket.write(req); // buffered until connected
    }

private:
    void onRead()
    {
        m_buffer += m_socket.readAll();
        const qsizetype headEnd = m_buffer.indexOf("\r\n\r\n");
        if (headEnd < 0 || !m_done)
            return;
        const QByteArray head = m_buffer.left(headEnd);
        qsizetype length = 0;
        for (const QByteArray &line : head.split('\n')) {
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
        }
        if (m_buffer.size() < headEnd + 4 + length)
            return;
        const int status = head.mid(9, 3).toInt();
        const QByteArray body = m_buffer.mid(headEnd + 4, length);
        m_buffer.clear();
        Done done = std::move(m_done);
        m_done = nullptr;
        done(status, body);
    }

    void fail()
    {
        if (!m_done)
            return;
        Done done = std::move(m_done);
        m_done = nullptr;
        done(0, m_socket.errorString().toUtf8());
    }

    const Options &m_options;
    QTcpSocket m_socket;
    QByteArray m_buffer;
    Done m_done;
    int m_connects = 0;
};

struct Answer
{
    int status = 0;
    int code = 0;
    qint64 sentMs = 0; ///< since the opening instant
    qint64 tookMs = 0;
};

class Student
{
public:
    Student(const Options &options, int index)
        : m_options(options)
        , m_index(index)
        , m_connection(options)
    {
        // Student i wants slot i % (courts × hours): neighbours want different slots, and every
        // slot gets students / slots of them. Seven in ten ask for that hour alone, three for two
        // hours from it (the last hour of a court: the hour before and it), so ranges overlap.
        const int slotCount = options.courts * options.hours;
        const int slot = index % slotCount;
        const int variant = (index / slotCount) % 10;
        m_venue = options.firstVenue + slot / options.hours;
        int from = slot % options.hours;
        int to = from + 1;
        if (variant >= 7) {
            if (to < options.hours)
                ++to;
            else
                --from;
        }
        m_from = options.firstHour + from;
        m_to = options.firstHour + to;
    }

    /// Logs in and fills in the profile on its own connection, then keeps it alive.
    void prepare(std::function<void(bool ok, const QString &error)> prepared)
    {
        m_connection.send(
            "POST", "/api/v1/auth/login", {},
            compact({{QStringLiteral("code"), QStringLiteral("u-rush%1").arg(m_index)}}),
            [this, prepared](int status, const QByteArray &body) {
                m_token = QJsonDocument::fromJson(body)
                              .object()
                              .value(QStringLiteral("token"))
                              .toString()
                              .toLatin1();
                if (status != 200 || m_token.isEmpty())
                    return prepared(false, describe("login", status, body));
                setProfile(prepared);
            });
    }

    /// Fires at @p atMs (ms since the epoch); @p answered gets the outcome.
    void fireAt(qint64 atMs, std::function<void(const Answer &)> answered)
    {
        m_fireAtMs = atMs;
        m_answered = std::move(answered);
        keepAlive();
        const qint64 wait = atMs - QDateTime::currentMSecsSinceEpoch();
        m_fireTimer.setSingleShot(true);
        m_fireTimer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_fireTimer, &QTimer::timeout, &m_fireTimer, [this] { fire(); });
        m_fireTimer.start(int(std::max<qint64>(0, wait)));
    }

    int connects() const { return m_connection.connects(); }
    int pings() const { return m_pings; }

private:
    static QByteArray compact(const QJsonObject &o)
    {
        return QJsonDocument(o).toJson(QJsonDocument::Compact);
    }

    static QString describe(const char *step, int status, const QByteArray &body)
    {
        return QStringLiteral("%1: HTTP %2 %3")
            .arg(QLatin1String(step))
            .arg(status)
            .arg(QString::fromUtf8(body.left(200)));
    }

    void setProfile(const std::function<void(bool, const QString &)> &prepared)
    {
        const QJsonObject me {{QStringLiteral("studentId"),
                               QStringLiteral("R2605%1").arg(m_index, 4, 10, QLatin1Char('0'))},
                              {QStringLiteral("name"), QStringLiteral("Rush %1").arg(m_index)},
                              {QStringLiteral("phone"),
                               QStringLiteral("139%1").arg(m_index, 8, 10, QLatin1Char('0'))}};
        m_connection.send("PUT", "/api/v1/me", m_token, compact(me),
                          [prepared](int status, const QByteArray &body) {
                              if (status != 200)
                                  return prepared(false, describe("profile", status, body));
                              prepared(true, {});
                          });
    }

    /// The page sits open until the opening: a light request now and then keeps the connection
    /// (the server closes connections idle for 30 s).
    void keepAlive()
    {
        m_keepAlive.setSingleShot(true);
        QObject::connect(&m_keepAlive, &QTimer::timeout, &m_keepAlive, [this] {
            if (m_fired || m_busy)
                return;
            const qint64 left = m_fireAtMs - QDateTime::currentMSecsSinceEpoch();
            if (left < 2000)
                return; // too close to the opening: never in flight when the student fires
            m_busy = true;
            ++m_pings;
            m_connection.send("GET", "/healthz", {}, {}, [this](int, const QByteArray &) {
                m_busy = false;
                m_keepAlive.start(KeepAliveMs + QRandomGenerator::global()->bounded(3000));
            });
        });
        m_keepAlive.start(QRandomGenerator::global()->bounded(KeepAliveMs));
    }

    void fire()
    {
        if (m_busy) { // a keep-alive still in flight: fire when it is answered
            QTimer::singleShot(1, &m_fireTimer, [this] { fire(); });
            return;
        }
        m_fired = true;
        m_keepAlive.stop();
        const QJsonObject body {{QStringLiteral("venueId"), m_venue},
                                {QStringLiteral("date"), m_options.date},
                                {QStringLiteral("startTime"),
                                 QStringLiteral("%1:00").arg(m_from, 2, 10, QLatin1Char('0'))},
                                {QStringLiteral("endTime"),
                                 QStringLiteral("%1:00").arg(m_to, 2, 10, QLatin1Char('0'))}};
        const qint64 sent = QDateTime::currentMSecsSinceEpoch();
        m_clock.start();
        m_connection.send(
            "POST", "/api/v1/bookings", m_token, compact(body),
            [this, sent](int status, const QByteArray &reply) {
                Answer a;
                a.status = status;
                a.code =
                    QJsonDocument::fromJson(reply).object().value(QStringLiteral("code")).toInt();
                a.sentMs = sent - m_options.openAtMs;
                a.tookMs = m_clock.elapsed();
                m_answered(a);
            });
    }

    const Options &m_options;
    int m_index;
    Connection m_connection;
    QByteArray m_token;
    int m_venue = 0;
    int m_from = 0;
    int m_to = 0;
    qint64 m_fireAtMs = 0;
    bool m_fired = false;
    bool m_busy = false;
    int m_pings = 0;
    QTimer m_fireTimer;
    QTimer m_keepAlive;
    QElapsedTimer m_clock;
    std::function<void(const Answer &)> m_answered;
};

qint64 percentile(std::vector<qint64> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

/// Raises the open-files limit to the hard limit: a student is a connection.
void raiseFileLimit()
{
    rlimit lim {};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}

class Rush
{
public:
    explicit Rush(const Options &options)
        : m_options(options)
    {
        for (int i = 0; i < options.students; ++i)
            m_students.push_back(std::make_unique<Student>(m_options, i));
    }

    void start()
    {
        m_prepareClock.start();
        for (int i = 0; i < PrepareInFlight && m_nextPrepare < int(m_students.size()); ++i)
            prepareNext();
    }

private:
    void prepareNext()
    {
        Student *s = m_students[m_nextPrepare++].get();
        s->prepare([this](bool ok, const QString &error) {
            if (!ok) {
                QTextStream(stderr) << "a student could not prepare: " << error << '\n';
                QCoreApplication::exit(2);
                return;
            }
            if (++m_prepared == int(m_students.size()))
                return allPrepared();
            if (m_nextPrepare < int(m_students.size()))
                prepareNext();
        });
    }

    void allPrepared()
    {
        QTextStream out(stdout);
        const qint64 left = m_options.openAtMs - QDateTime::currentMSecsSinceEpoch();
        out << m_students.size() << " students logged in on their own connections in "
            << m_prepareClock.elapsed() << " ms; the day opens in " << left << " ms\n";
        out.flush();
        if (left < 0) {
            QTextStream(stderr) << "the opening passed while the students logged in: start later\n";
            QCoreApplication::exit(2);
            return;
        }
        for (auto &s : m_students) {
            const qint64 at =
                m_options.openAtMs + QRandomGenerator::global()->bounded(m_options.spreadMs);
            s->fireAt(at, [this](const Answer &a) { answered(a); });
        }
        QTimer::singleShot(int(left + m_options.spreadMs + AnswerTimeoutMs), qApp, [this] {
            QTextStream(stderr) << "not every student was answered in time\n";
            report();
            QCoreApplication::exit(1);
        });
    }

    void answered(const Answer &a)
    {
        m_answers.push_back(a);
        if (m_answers.size() == m_students.size()) {
            report();
            QCoreApplication::exit(m_bad == 0 ? 0 : 1);
        }
    }

    void report()
    {
        QTextStream out(stdout);
        QMap<QString, int> byAnswer;
        std::vector<qint64> took;
        qint64 lastMs = 0;
        qint64 lastSentMs = 0;
        int dropped = 0;
        for (const Answer &a : m_answers) {
            const QString key = a.status == 0
                ? QStringLiteral("dropped connection")
                : QStringLiteral("%1 (code %2)").arg(a.status).arg(a.code);
            ++byAnswer[key];
            if (a.status == 0)
                ++dropped;
            if (a.status != 201 && a.status != 409 && a.status != 429)
                ++m_bad;
            took.push_back(a.tookMs);
            lastMs = std::max(lastMs, a.sentMs + a.tookMs);
            lastSentMs = std::max(lastSentMs, a.sentMs);
        }
        const int unanswered = int(m_students.size() - m_answers.size());
        m_bad += unanswered;
        int reconnects = 0;
        int pings = 0;
        for (const auto &s : m_students) {
            reconnects += std::max(0, s->connects() - 1);
            pings += s->pings();
        }
        out << "answers:\n";
        for (auto it = byAnswer.cbegin(); it != byAnswer.cend(); ++it)
            out << "  " << qSetFieldWidth(6) << it.value() << qSetFieldWidth(0) << "  " << it.key()
                << '\n';
        if (unanswered)
            out << "  " << unanswered << "  not answered\n";
        out << "requests sent from +0 to +" << lastSentMs << " ms after the opening; "
            << "answer time p50 " << percentile(took, 0.5) << " ms, p90 " << percentile(took, 0.9)
            << " ms, p99 " << percentile(took, 0.99) << " ms, max " << percentile(took, 1.0)
            << " ms\n";
        out << "last answer " << lastMs << " ms after the opening\n";
        out << "connections: " << m_students.size() << " (reconnects " << reconnects << ", dropped "
            << dropped << "), keep-alive requests while waiting " << pings << '\n';
        out << "answers other than 201/409/429: " << m_bad << '\n';
        out.flush();
    }

    const Options &m_options;
    std::vector<std::unique_ptr<Student>> m_students;
    std::vector<Answer> m_answers;
    QElapsedTimer m_prepareClock;
    int m_nextPrepare = 0;
    int m_prepared = 0;
    int m_bad = 0;
};

} // namespace
} // namespace pomelo

int main(int argc, char **argv)
{
    using namespace pomelo;
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("The 08:00 rush against a running server"));
    parser.addHelpOption();
    const QCommandLineOption portOpt(QStringLiteral("port"), QStringLiteral("server port"),
                                     QStringLiteral("port"));
    const QCommandLineOption studentsOpt(QStringLiteral("students"), QStringLiteral("students"),
                                         QStringLiteral("n"), QStringLiteral("2000"));
    const QCommandLineOption venueOpt(QStringLiteral("first-venue"),
                                      QStringLiteral("first court's venue id"),
                                      QStringLiteral("id"), QStringLiteral("2001"));
    const QCommandLineOption courtsOpt(QStringLiteral("courts"), QStringLiteral("courts"),
                                       QStringLiteral("n"), QStringLiteral("20"));
    const QCommandLineOption hoursOpt(QStringLiteral("hours"),
                                      QStringLiteral("hourly slots per court from 08:00"),
                                      QStringLiteral("n"), QStringLiteral("10"));
    const QCommandLineOption dateOpt(QStringLiteral("date"), QStringLiteral("the day that opens"),
                                     QStringLiteral("YYYY-MM-DD"));
    const QCommandLineOption openOpt(QStringLiteral("open-at-ms"),
                                     QStringLiteral("the opening instant, ms since the epoch"),
                                     QStringLiteral("ms"));
    const QCommandLineOption spreadOpt(QStringLiteral("spread-ms"),
                                       QStringLiteral("students fire within this after opening"),
                                       QStringLiteral("ms"), QStringLiteral("1000"));
    parser.addOptions(
        {portOpt, studentsOpt, venueOpt, courtsOpt, hoursOpt, dateOpt, openOpt, spreadOpt});
    parser.process(app);
    Options options;
    options.port = quint16(parser.value(portOpt).toUInt());
    options.students = parser.value(studentsOpt).toInt();
    options.firstVenue = parser.value(venueOpt).toInt();
    options.courts = parser.value(courtsOpt).toInt();
    options.hours = parser.value(hoursOpt).toInt();
    options.date = parser.value(dateOpt);
    options.openAtMs = parser.value(openOpt).toLongLong();
    options.spreadMs = std::max(1, parser.value(spreadOpt).toInt());
    if (options.port == 0 || options.date.isEmpty() || options.openAtMs == 0 || options.students < 1
        || options.courts < 1 || options.hours < 2) {
        QTextStream(stderr) << "--port, --date and --open-at-ms are required\n";
        return 2;
    }
    raiseFileLimit();
    Rush rush(options);
    rush.start();
    return app.exec();
}
