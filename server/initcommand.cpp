#include "initcommand.h"

#include "config/config.h"
#include "domain/crypto.h"
#include "domain/errors.h"
#include "storage/apprepository.h"
#include "storage/database.h"
#include "storage/demodata.h"
#include "storage/migrations.h"
#include "storage/secretbox.h"
#include "storage/secretcheck.h"
#include "storage/staffuserrepository.h"

#include <QDir>
#include <QFileInfo>
#include <QUrl>

#include <cstdio>

namespace pomelo {

namespace {

void out(const QString &text)
{
    std::fputs(qUtf8Printable(text + u'\n'), stdout);
}

int fail(const QString &text)
{
    std::fputs(qUtf8Printable(QStringLiteral("pomelo-server init: ") + text + u'\n'), stderr);
    return 2;
}

/// Where the pay platform may notify the booking app: the load balancer's host in production; in
/// development this server's own addresses, as the demo apps.
QStringList bookingNotifyHosts(const Config &config)
{
    if (config.isProduction())
        return {QUrl(config.publicBaseUrl()).host()};
    QStringList hosts {QUrl(config.publicBaseUrl()).host(), QStringLiteral("127.0.0.1"),
                       QStringLiteral("localhost")};
    hosts.removeDuplicates();
    return hosts;
}

/// The first console admin, unless there is an enabled admin (or a user named `admin`) already.
/// Returns what was done, for the summary; the generated password is printed once here.
QString ensureAdmin(Database &db, const Config &config, bool *created)
{
    StaffUserRepository users(db);
    *created = false;
    if (users.countAdmins() > 0)
        return QStringLiteral("a console admin exists");
    const QString name = QStringLiteral("admin");
    if (users.findByUsername(name))
        return QStringLiteral("the user 'admin' exists but is no enabled admin (use `pomelo-server "
                              "user add --role admin`)");
    QString password = config.adminInitialPassword();
    const bool generated = password.isEmpty();
    if (generated)
        password = crypto::randomToken(12);
    StaffUser user;
    user.username = name;
    user.role = StaffRole::Admin;
    user.passwordHash = crypto::hashPassword(password);
    if (!db.transact([&](Transaction &tx) { return users.insert(tx, user); }))
        return QStringLiteral("a console admin exists"); // created meanwhile by a starting server
    *created = true;
    if (generated)
        out(QStringLiteral("console admin created: username 'admin', password '%1' (shown only "
                           "this once; change it with `pomelo-server user passwd admin`)")
                .arg(password));
    else
        out(QStringLiteral("console admin created: username 'admin', password from "
                           "admin.initial_password"));
    return QStringLiteral("console admin 'admin'");
}

/// What is left to configure before `pomelo-server` starts in production.
void printNextSteps(const Config &config, const QString &keyFile)
{
    out(QStringLiteral("\nNext:"));
    out(QStringLiteral("  - copy %1 to the data dir of every instance that shares this database "
                       "(an instance with another key refuses to start)")
            .arg(keyFile));
    const QList<ConfigError> problems = config.productionProblems();
    for (const ConfigError &e : problems)
        out(QStringLiteral("  - set ") + e.message());
    if (!config.isProduction()) {
        out(QStringLiteral("  - development mode: for production set server.mode = production, "
                           "redis.url, database.url and server.public_base_url (the load "
                           "balancer's URL)"));
    }
    out(QStringLiteral("  - channels: channels.ecard_base_url, ecard.partner_id, "
                       "ecard.partner_key; channels.wechat_base_url, wechat.mch_id, "
                       "wechat.merchant_key_file, wechat.merchant_serial, wechat.apiv3_key, "
                       "and either wechat.platform_public_key_file + "
                       "wechat.platform_public_key_id (public-key mode) or neither (platform "
                       "certificates, downloaded; see docs/wechat-pay.md)"));
    out(QStringLiteral("  - student login: wechat.app_id, wechat.app_secret (jscode2session at "
                       "wechat.api_base_url = %1)")
            .arg(config.wechatApiBaseUrl()));
    out(QStringLiteral("  - then start the server (systemctl enable --now pomelo-server) and "
                       "check GET /readyz"));
}

/// The in-house merchants of the pay platform (booking, and top-up when that module runs): each
/// gets its internal app unless it has one; what was created or found goes to @p changed or
/// @p already. Throws Error when an app can be neither created nor found.
void ensureInHouseApps(Database &db, const SecretBox &box, const Config &config, bool showSecret,
                       QStringList &changed, QStringList &already)
{
    AppRepository apps(db, box);
    const QStringList hosts = bookingNotifyHosts(config);
    // The in-house merchants of the pay platform: each module that runs signs as its app.
    struct InHouse
    {
        QString what;
        QString appId;
        QString name;
        QString notifyPath;
    };
    QList<InHouse> inHouse {{QStringLiteral("booking"), config.bookingAppId(),
                             QStringLiteral("场馆预约"), QStringLiteral("/api/v1/pay-notify")}};
    if (config.hasModule(QStringLiteral("topup")))
        inHouse.append({QStringLiteral("top-up"), config.topupAppId(), QStringLiteral("水电充值"),
                        QStringLiteral("/api/v1/topup-notify")});
    for (const InHouse &h : std::as_const(inHouse)) {
        const std::optional<DemoApp> added = db.transact([&](Transaction &tx) {
            return DemoData::addInHouseApp(tx, apps, h.appId, h.name, hosts, true);
        });
        const std::optional<App> app = apps.find(h.appId);
        if (!app)
            throw Error(ErrorCode::Internal,
                        QStringLiteral("the %1 app %2 could not be created").arg(h.what, h.appId));
        if (added) {
            changed.append(QStringLiteral("%1 app '%2'").arg(h.what, h.appId));
            out(QStringLiteral("%1 app '%2' created (internal; notified at %3%4)")
                    .arg(h.what, h.appId, config.publicBaseUrl(), h.notifyPath));
        } else {
            already.append(QStringLiteral("%1 app '%2'").arg(h.what, h.appId));
            if (!app->internal || !app->active)
                out(QStringLiteral("warning: the %1 app '%2' is %3; the %1 module needs an "
                                   "active internal app")
                        .arg(h.what, h.appId,
                             app->active ? QStringLiteral("not internal")
                                         : QStringLiteral("disabled")));
        }
        if (showSecret)
            out(QStringLiteral("%1 app secret: %2").arg(h.what, QString::fromLatin1(app->secret)));
    }
}

} // namespace

int runInitCommand(const Config &config, bool showSecret)
{
    if (config.isProduction() && config.value(QStringLiteral("server.public_base_url")).isEmpty())
        return fail(QStringLiteral("server.public_base_url: not set; init needs it (the booking "
                                   "app is notified at <public_base_url>/api/v1/pay-notify)"));
    try {
        QDir().mkpath(config.dataDir());
        Database db(config.databaseUrl());
        const QList<int> applied = Migrator(db).migrate();
        const QString keyFile =
            QFileInfo(config.dataDir() + QStringLiteral("/secret.key")).absoluteFilePath();
        const bool keyExisted = QFileInfo::exists(keyFile);
        const SecretBox box = SecretBox::loadOrCreate(keyFile);
        const SecretCheck::Result check = SecretCheck::verify(db, box);
        if (check == SecretCheck::Result::Mismatch)
            return fail(QStringLiteral("the secret key %1 does not open the secrets sealed in the "
                                       "database %2: copy the secret.key of the instances that "
                                       "share this database into the data dir")
                            .arg(keyFile, db.displayUrl()));

        QStringList changed;
        QStringList already;
        if (applied.isEmpty()) {
            already.append(QStringLiteral("database %1 at schema version %2")
                               .arg(db.displayUrl())
                               .arg(Migrator(db).latestVersion()));
        } else {
            QStringList versions;
            for (int v : applied)
                versions.append(QString::number(v));
            changed.append(QStringLiteral("database migrated (%1)").arg(versions.join(u',')));
        }
        if (!keyExisted)
            changed.append(QStringLiteral("secret key created"));
        if (check == SecretCheck::Result::Created)
            changed.append(QStringLiteral("secret key check stored"));

        ensureInHouseApps(db, box, config, showSecret, changed, already);

        bool adminCreated = false;
        const QString admin = ensureAdmin(db, config, &adminCreated);
        (adminCreated ? changed : already).append(admin);

        if (changed.isEmpty()) {
            out(QStringLiteral("already initialised: ") + already.join(QStringLiteral("; "))
                + QStringLiteral(". Nothing changed."));
            return 0;
        }
        out(QStringLiteral("initialised: ") + changed.join(QStringLiteral("; ")));
        if (!already.isEmpty())
            out(QStringLiteral("already there: ") + already.join(QStringLiteral("; ")));
        printNextSteps(config, keyFile);
        return 0;
    } catch (const SchemaTooNew &e) {
        return fail(e.detail());
    } catch (const Error &e) {
        return fail(e.detail());
    }
}

} // namespace pomelo
