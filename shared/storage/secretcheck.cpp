#include "secretcheck.h"

#include "apprepository.h"
#include "domain/crypto.h"
#include "sql_p.h"

namespace pomelo {

namespace {

using storage_detail::Statement;

// The associated data of the sealed value: it opens as nothing else.
const QByteArray Context = QByteArrayLiteral("pomelo:secret-check");

std::optional<QString> storedValue(Database &db)
{
    Statement st(db.threadConnection(),
                 QStringLiteral("SELECT sealed FROM secret_check WHERE id = 1"));
    st.exec();
    if (!st.next())
        return std::nullopt;
    return st.text(0);
}

/// Whether every app secret of the database opens with @p box (a database sealed before the
/// check existed).
bool appSecretsOpen(Database &db, const SecretBox &box)
{
    AppRepository apps(db, box);
    const QList<App> all = apps.list();
    for (const App &app : all) {
        try {
            apps.find(app.appId);
        } catch (const Error &e) {
            if (e.code() != ErrorCode::Internal)
                throw; // the database went away: not a verdict on the key
            return false;
        }
    }
    return true;
}

} // namespace

SecretCheck::Result SecretCheck::verify(Database &db, const SecretBox &box, qint64 now)
{
    if (const std::optional<QString> sealed = storedValue(db))
        return box.open(*sealed, Context) ? Result::Matches : Result::Mismatch;
    if (!appSecretsOpen(db, box))
        return Result::Mismatch;
    const bool inserted = db.transact([&](Transaction &tx) {
        Statement st(tx,
                     QStringLiteral("INSERT INTO secret_check (id, sealed, created_at) VALUES "
                                    "(1, ?, ?) ON CONFLICT (id) DO NOTHING"));
        st.bind(box.seal(crypto::randomBytes(32), Context)).bind(now ? now : nowMs()).exec();
        return st.rowsAffected() == 1;
    });
    if (inserted)
        return Result::Created;
    // Another instance stored its value first: compare with that one.
    const std::optional<QString> sealed = storedValue(db);
    return sealed && box.open(*sealed, Context) ? Result::Matches : Result::Mismatch;
}

} // namespace pomelo
