#include "apprepository.h"

#include "domain/crypto.h"
#include "sql_p.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace pomelo {

using storage_detail::Statement;

namespace {

QByteArray contextOf(const QString &appId)
{
    return QByteArrayLiteral("pomelo-app-secret:") + appId.toUtf8();
}

QString hostsToJson(const QStringList &hosts)
{
    return QString::fromUtf8(
        QJsonDocument(QJsonArray::fromStringList(hosts)).toJson(QJsonDocument::Compact));
}

QStringList hostsFromJson(const QString &json)
{
    QStringList hosts;
    const QJsonArray array = QJsonDocument::fromJson(json.toUtf8()).array();
    for (const auto &v : array)
        hosts.append(v.toString());
    return hosts;
}

const QString Select = QStringLiteral(
    "SELECT app_id, name, secret_sealed, notify_hosts, active, created_at, updated_at, internal "
    "FROM apps ");

} // namespace

bool AppRepository::insert(Transaction &tx, const App &app)
{
    if (app.appId.isEmpty() || app.secret.isEmpty())
        throw Error(ErrorCode::Internal, QStringLiteral("an app needs an id and a secret"));
    const qint64 created = app.createdAt ? app.createdAt : nowMs();
    Statement st(tx,
                 QStringLiteral("INSERT INTO apps (app_id, name, secret_sealed, notify_hosts, "
                                "active, created_at, updated_at, internal) VALUES (?, ?, ?, ?, ?, "
                                "?, ?, ?) ON CONFLICT (app_id) DO NOTHING"));
    st.bind(app.appId)
        .bind(app.name)
        .bind(m_box.seal(app.secret, contextOf(app.appId)))
        .bind(hostsToJson(app.notifyHosts))
        .bind(app.active)
        .bind(created)
        .bind(app.updatedAt ? app.updatedAt : created)
        .bind(app.internal)
        .exec();
    return st.rowsAffected() == 1;
}

std::optional<App> AppRepository::find(const QString &appId) const
{
    Statement st(m_db.threadConnection(), Select + QStringLiteral("WHERE app_id = ?"));
    st.bind(appId).exec();
    if (!st.next())
        return std::nullopt;
    App app;
    app.appId = st.text(0);
    app.name = st.text(1);
    const auto secret = m_box.open(st.text(2), contextOf(app.appId));
    if (!secret)
        throw Error(ErrorCode::Internal,
                    QStringLiteral("the secret of app ") + app.appId
                        + QStringLiteral(" does not open with this instance's secret key file"));
    app.secret = *secret;
    app.notifyHosts = hostsFromJson(st.text(3));
    app.active = st.boolean(4);
    app.createdAt = st.int64(5);
    app.updatedAt = st.int64(6);
    app.internal = st.boolean(7);
    return app;
}

QList<App> AppRepository::list() const
{
    Statement st(m_db.threadConnection(), Select + QStringLiteral("ORDER BY app_id"));
    st.exec();
    QList<App> apps;
    while (st.next()) {
        App app;
        app.appId = st.text(0);
        app.name = st.text(1);
        app.notifyHosts = hostsFromJson(st.text(3));
        app.active = st.boolean(4);
        app.createdAt = st.int64(5);
        app.updatedAt = st.int64(6);
        app.internal = st.boolean(7);
        apps.append(app);
    }
    return apps;
}

qint64 AppRepository::count() const
{
    Statement st(m_db.threadConnection(), QStringLiteral("SELECT COUNT(*) FROM apps"));
    st.exec();
    return st.next() ? st.int64(0) : 0;
}

bool AppRepository::rotateSecret(Transaction &tx, const QString &appId, const QByteArray &secret,
                                 qint64 now)
{
    if (secret.isEmpty())
        throw Error(ErrorCode::Internal, QStringLiteral("an empty app secret"));
    Statement st(
        tx, QStringLiteral("UPDATE apps SET secret_sealed = ?, updated_at = ? WHERE app_id = ?"));
    st.bind(m_box.seal(secret, contextOf(appId))).bind(now ? now : nowMs()).bind(appId).exec();
    return st.rowsAffected() == 1;
}

bool AppRepository::setActive(Transaction &tx, const QString &appId, bool active, qint64 now)
{
    Statement st(tx, QStringLiteral("UPDATE apps SET active = ?, updated_at = ? WHERE app_id = ?"));
    st.bind(active).bind(now ? now : nowMs()).bind(appId).exec();
    return st.rowsAffected() == 1;
}

bool AppRepository::setNotifyHosts(Transaction &tx, const QString &appId, const QStringList &hosts,
                                   qint64 now)
{
    Statement st(
        tx, QStringLiteral("UPDATE apps SET notify_hosts = ?, updated_at = ? WHERE app_id = ?"));
    st.bind(hostsToJson(hosts)).bind(now ? now : nowMs()).bind(appId).exec();
    return st.rowsAffected() == 1;
}

QString AppRepository::generateAppId()
{
    return QStringLiteral("app_") + QString::fromLatin1(crypto::randomBytes(8).toHex());
}

QByteArray AppRepository::generateSecret()
{
    return crypto::randomToken(32).toLatin1();
}

} // namespace pomelo
