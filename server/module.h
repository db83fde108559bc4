#pragma once

#include <QString>

namespace pomelo {

class Router;

/// One part of pomelo-server that `server.modules` switches on: booking, pay, sandbox, workers,
/// admin. ServerApp builds the enabled ones in a fixed order (a module may use the ones built
/// before it), lets each register its routes, starts them all, and on the way down stops them in
/// reverse order before destroying any.
class Module
{
public:
    virtual ~Module() = default;

    /// The name in `server.modules` (also the start log's word for it).
    virtual QString name() const = 0;
    /// Adds the module's routes, and the authenticators of the callers it knows, to @p router.
    /// Called once, before the server listens: the router is read-only afterwards.
    virtual void registerRoutes(Router &router) = 0;
    /// Starts background work (delayed-queue consumers, sweeps, worker threads); called after
    /// every module has registered its routes. Throws Error when the module cannot run.
    virtual void start() { }
    /// Stops and joins the background work; idempotent. Called once the server takes no more
    /// requests, before any module is destroyed.
    virtual void stop() { }
};

} // namespace pomelo
