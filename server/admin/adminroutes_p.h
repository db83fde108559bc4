#pragma once

// What the admin route files share (not part of the module's interface): the route/role wrapper,
// the modules a handler may need, and the audited intervention.

#include "adminauth.h"
#include "http/httptypes.h"
#include "servercontext.h"
#include "storage/auditrepository.h"

#include <QJsonObject>

#include <functional>

namespace pomelo {

class Database;
class PayModule;
class PayService;
class Router;
class TopupModule;
class WorkersModule;
struct PayOrder;

namespace admin {

using Handler = std::function<HttpResponse(const HttpRequest &, const StaffPrincipal &)>;

/// The admin module as its route files see it; cheap to copy into handlers (it only points).
struct AdminRoutes
{
    Router *router;
    const ServerContext *ctx;
    AdminAuth *auth;
    PayModule *pay; ///< null when the pay module does not run here
    WorkersModule *workers; ///< null when the workers do not run here
    TopupModule *topup = nullptr; ///< null when the topup module does not run here

    /// Registers @p handler (blocking) behind the role check: it is called with the caller.
    void add(const char *method, const char *path, StaffRole role, Handler handler) const;
    /// The pay service, or 5010 when the pay module does not run here.
    PayService &payService() const;
    /// Nudges this process's merchant notifier (another instance picks up within its idle poll).
    void wakeNotifier() const;
    /// The order, or 4041.
    PayOrder findOrder(qint64 id) const;
};

/// Appends @p entry with @p details (as compact JSON); when that fails, the log keeps the trace
/// (the intervention happened, or failed, either way).
void appendAudit(Database &db, AuditEntry entry, const QJsonObject &details);

/// Who did what, when, why, from where — also when it failed (then with the error code).
class Audited
{
public:
    Audited(Database &db, const StaffPrincipal &who, const HttpRequest &r, QString action,
            QString target, QString reason);

    /// Runs @p action (which may add to the entry's details) and answers its result with 200;
    /// the entry is written either way, an error is rethrown after it.
    template<typename F> HttpResponse run(F &&action)
    {
        QJsonObject result;
        try {
            result = action(m_details);
        } catch (const Error &e) {
            m_details.insert(QStringLiteral("outcome"), QStringLiteral("error"));
            m_details.insert(QStringLiteral("code"), static_cast<int>(e.code()));
            write();
            throw;
        }
        m_details.insert(QStringLiteral("outcome"), QStringLiteral("ok"));
        write();
        return HttpResponse::json(200, result);
    }

private:
    void write();

    Database &m_db;
    AuditEntry m_entry;
    QJsonObject m_details;
};

} // namespace admin
} // namespace pomelo
