#pragma once

#include "adminauth.h"
#include "module.h"
#include "servercontext.h"

#include <memory>

namespace pomelo {

class HttpServer;
class LiveFeed;
class PayModule;
class Router;
class TopupModule;
class WorkersModule;

/// The operator console's API (API.md "Admin API", prefix /admin/v1) and its live WebSocket.
/// Roles: `staff` reads orders and works the venue board (check-in); `admin` may do everything.
/// Every intervention goes to the audit log (who, when, what, why, from where), also when it
/// fails. @p pay, @p workers and @p topup are the modules of this process, or null when they do not
/// run here: order actions then answer 5010, and a re-send is picked up by whichever instance runs
/// the merchant notifier (within its idle poll). The live feed (`GET /admin/v1/live`) is a
/// WebSocket on @p server's port. The constructor creates the first admin user when there is none.
class AdminModule : public Module
{
public:
    AdminModule(const ServerContext &context, HttpServer &server, PayModule *pay,
                WorkersModule *workers, TopupModule *topup = nullptr);
    ~AdminModule() override;

    QString name() const override { return QStringLiteral("admin"); }
    void registerRoutes(Router &router) override;
    /// Closes the live feed's clients and joins its Redis reader.
    void stop() override;

    AdminAuth &auth() { return m_auth; }

private:
    const ServerContext &m_ctx;
    HttpServer &m_server;
    PayModule *m_pay;
    WorkersModule *m_workers;
    TopupModule *m_topup; ///< null when the topup module does not run here
    AdminAuth m_auth;
    std::unique_ptr<LiveFeed> m_live;
};

} // namespace pomelo
