#include "pgserver.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTest>
#include <QUuid>

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pomelo::test {

namespace {

bool chownTree(const QString &path, uint uid, uint gid)
{
    if (::chown(QFile::encodeName(path).constData(), uid, gid) != 0)
        return false;
    const QFileInfo info(path);
    if (info.isDir() && !info.isSymLink()) {
        const QStringList entries = QDir(path).entryList(QDir::AllEntries | QDir::NoDotAndDotDot
                                                         | QDir::Hidden | QDir::System);
        for (const QString &e : entries) {
            if (!chownTree(path + u'/' + e, uid, gid))
                return false;
        }
    }
    return true;
}

} // namespace

PgServer::PgServer(bool durable)
    : m_durable(durable)
{
    // Random per cluster; it only has to keep other local users out of a test database.
    m_password = QUuid::createUuid().toString(QUuid::Id128);
    if (::geteuid() == 0) {
        const struct passwd *pw = ::getpwnam("postgres");
        if (pw) {
            m_dropPrivileges = true;
            m_uid = pw->pw_uid;
            m_gid = pw->pw_gid;
        }
    }
}

PgServer::~PgServer()
{
    stop(30000);
}

QString PgServer::binDir()
{
    const QString fromEnv = qEnvironmentVariable("POMELO_PG_BINDIR");
    return fromEnv.isEmpty() ? QStringLiteral("/usr/lib/postgresql/15/bin") : fromEnv;
}

QString PgServer::socketDir() const
{
    return m_dir.filePath(QStringLiteral("sock"));
}

QString PgServer::url(const QString &database) const
{
    return QStringLiteral("postgres://%1:%2@127.0.0.1:%3/%4")
        .arg(user(), m_password)
        .arg(m_port)
        .arg(database);
}

QStringList PgServer::asPostgresUser(const QString &program, const QStringList &args,
                                     QString *programOut) const
{
    if (!m_dropPrivileges) {
        *programOut = program;
        return args;
    }
    *programOut = QStringLiteral("setpriv");
    QStringList all = {QStringLiteral("--reuid=%1").arg(m_uid),
                       QStringLiteral("--regid=%1").arg(m_gid), QStringLiteral("--clear-groups"),
                       QStringLiteral("--"), program};
    all += args;
    return all;
}

bool PgServer::runTool(const QString &tool, const QStringList &args, int timeoutMs, QByteArray *out)
{
    QString program;
    const QStringList all = asPostgresUser(binDir() + u'/' + tool, args, &program);
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    env.insert(QStringLiteral("PGPASSWORD"), m_password);
    process.setProcessEnvironment(env);
    process.setWorkingDirectory(m_dir.path());
    process.start(program, all);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        m_error =
            tool + QStringLiteral(" did not finish: ") + QString::fromLocal8Bit(process.readAll());
        return false;
    }
    const QByteArray output = process.readAll();
    if (out)
        *out = output;
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        m_error = tool + QStringLiteral(" failed: ") + QString::fromLocal8Bit(output);
        return false;
    }
    return true;
}

bool PgServer::initCluster()
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("cannot create a temporary directory");
        return false;
    }
    if (!QFileInfo::exists(binDir() + QStringLiteral("/initdb"))) {
        m_error = QStringLiteral("PostgreSQL is not installed in ") + binDir()
            + QStringLiteral(" (Debian: postgresql-15; or set POMELO_PG_BINDIR)");
        return false;
    }
    QDir(m_dir.path()).mkpath(QStringLiteral("sock"));
    const QString pwfile = m_dir.filePath(QStringLiteral("pwfile"));
    {
        QFile f(pwfile);
        if (!f.open(QIODevice::WriteOnly)) {
            m_error = QStringLiteral("cannot write the password file");
            return false;
        }
        f.write(m_password.toUtf8() + '\n');
    }
    if (m_dropPrivileges && !chownTree(m_dir.path(), m_uid, m_gid)) {
        m_error = QStringLiteral("cannot chown the cluster directory to postgres");
        return false;
    }
    QByteArray out;
    const bool ok =
        runTool(QStringLiteral("initdb"),
                {QStringLiteral("-D"), m_dir.filePath(QStringLiteral("data")), QStringLiteral("-U"),
                 user(), QStringLiteral("--pwfile=") + pwfile, QStringLiteral("--auth-local=trust"),
                 QStringLiteral("--auth-host=scram-sha-256"), QStringLiteral("-E"),
                 QStringLiteral("UTF8"), QStringLiteral("--locale=C"), QStringLiteral("--no-sync")},
                120000, &out);
    QFile::remove(pwfile);
    if (!ok)
        return false;
    m_initialised = true;
    return true;
}

bool PgServer::start(int timeoutMs)
{
    if (isRunning())
        return true;
    if (!m_initialised && !initCluster())
        return false;
    const bool keepPort = m_port != 0; // a restart: URLs handed out must keep working
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (!keepPort)
            m_port = freeLoopbackPort();
        QStringList args = {QStringLiteral("-D"), m_dir.filePath(QStringLiteral("data")),
                            QStringLiteral("-p"), QString::number(m_port),
                            QStringLiteral("-k"), socketDir(),
                            QStringLiteral("-c"), QStringLiteral("listen_addresses=127.0.0.1"),
                            QStringLiteral("-c"), QStringLiteral("max_connections=200"),
                            QStringLiteral("-c"), QStringLiteral("log_min_messages=warning")};
        if (!m_durable) {
            for (const char *setting :
                 {"fsync=off", "synchronous_commit=off", "full_page_writes=off"})
                args << QStringLiteral("-c") << QString::fromLatin1(setting);
        }
        QString program;
        const QStringList all =
            asPostgresUser(binDir() + QStringLiteral("/postgres"), args, &program);
        m_server =
            std::make_unique<ChildProcess>(program, all, QStringList {QStringLiteral("LC_ALL=C")});
        m_server->process().setWorkingDirectory(m_dir.path());
        if (!m_server->start()) {
            m_error = QStringLiteral("cannot start postgres");
            m_server.reset();
            return false;
        }
        const bool ready = waitUntil(
            [&] {
                const QByteArray out = m_server->output();
                return out.contains("ready to accept connections")
                    || m_server->process().state() == QProcess::NotRunning;
            },
            timeoutMs, 10);
        m_log += m_server->output();
        if (ready && m_server->process().state() == QProcess::Running
            && m_server->output().contains("ready to accept connections"))
            return true;
        const QByteArray out = m_server->output();
        m_server->kill();
        m_server.reset();
        m_error =
            QStringLiteral("postgres did not start: ") + QString::fromLocal8Bit(out.right(2000));
        // A port taken between choosing and binding: try another one (or, on a restart, again).
        if (!out.contains("could not bind") && !out.contains("could not create any TCP/IP sockets"))
            return false;
        QTest::qWait(200);
    }
    return false;
}

bool PgServer::stop(int timeoutMs)
{
    if (!m_server)
        return true;
    QProcess &process = m_server->process();
    if (process.state() != QProcess::NotRunning) {
        // SIGINT is PostgreSQL's fast shutdown: active sessions are terminated at once.
        ::kill(pid_t(process.processId()), SIGINT);
        if (!process.waitForFinished(timeoutMs)) {
            m_server->kill();
            m_server.reset();
            m_error = QStringLiteral("postgres did not stop in time");
            return false;
        }
    }
    m_log += m_server->output();
    m_server.reset();
    return true;
}

bool PgServer::isRunning() const
{
    return m_server && m_server->process().state() == QProcess::Running;
}

QByteArray PgServer::log()
{
    if (m_server)
        return m_log + m_server->output();
    return m_log;
}

bool PgServer::exec(const QString &sql, const QString &database)
{
    return runTool(QStringLiteral("psql"),
                   {QStringLiteral("-X"), QStringLiteral("-q"), QStringLiteral("-v"),
                    QStringLiteral("ON_ERROR_STOP=1"), QStringLiteral("-h"), socketDir(),
                    QStringLiteral("-p"), QString::number(m_port), QStringLiteral("-U"), user(),
                    QStringLiteral("-d"), database, QStringLiteral("-c"), sql},
                   30000, nullptr);
}

QString PgServer::createDatabase(const QString &prefix)
{
    const QString name = prefix + QString::number(++m_databases);
    if (!exec(QStringLiteral("CREATE DATABASE ") + name))
        return {};
    return url(name);
}

bool StorageBackends::start()
{
    return m_pg.start();
}

void StorageBackends::addColumn()
{
    QTest::addColumn<QString>("backend");
}

void StorageBackends::addRows()
{
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgres") << QStringLiteral("postgres");
}

QString StorageBackends::freshUrl(const QString &backend)
{
    if (backend == QLatin1String("postgres"))
        return m_pg.createDatabase(QStringLiteral("t"));
    return QStringLiteral("sqlite:")
        + m_sqliteDir.filePath(QStringLiteral("db%1.sqlite").arg(++m_sqliteCount));
}

} // namespace pomelo::test
