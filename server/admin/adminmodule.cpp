#include "adminmodule.h"

#include "adminroutes_p.h"
#include "auditroutes.h"
#include "dashboardroutes.h"
#include "http/httpserver.h"
#include "http/router.h"
#include "livefeed.h"
#include "notificationroutes.h"
#include "operationsroutes.h"
#include "orderroutes.h"
#include "paymentexceptionroutes.h"
#include "sessionroutes.h"
#include "topuproutes.h"
#include "venueroutes.h"

namespace pomelo {

AdminModule::AdminModule(const ServerContext &context, HttpServer &server, PayModule *pay,
                         WorkersModule *workers, TopupModule *topup)
    : m_ctx(context)
    , m_server(server)
    , m_pay(pay)
    , m_workers(workers)
    , m_topup(topup)
    , m_auth(context)
{
    AdminAuth::ensureInitialAdmin(context);
}

AdminModule::~AdminModule() = default;

void AdminModule::stop()
{
    m_live.reset();
}

void AdminModule::registerRoutes(Router &router)
{
    // A console session; the admin routes also need the admin role.
    router.setAuthenticator(
        Access::Kind::Staff, [this](const Access &access, const HttpRequest &r) -> Principal {
            const StaffPrincipal who = m_auth.authenticateToken(r.bearerToken());
            if (access.kind == Access::Kind::Admin)
                AdminAuth::requireRole(who, StaffRole::Admin);
            return who;
        });
    const admin::AdminRoutes routes {&router, &m_ctx, &m_auth, m_pay, m_workers, m_topup};
    admin::registerSessionRoutes(routes);
    admin::registerOrderRoutes(routes);
    admin::registerDashboardRoutes(routes);
    admin::registerVenueRoutes(routes);
    admin::registerOperationsRoutes(routes);
    admin::registerNotificationRoutes(routes);
    registerPaymentExceptionRoutes(routes);
    admin::registerAuditRoutes(routes);
    admin::registerTopupRoutes(routes);
    m_live = std::make_unique<LiveFeed>(m_ctx, m_auth, m_server);
}

} // namespace pomelo
