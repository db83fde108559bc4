#pragma once

#include "authservice.h"
#include "bookingservice.h"
#include "http/httptypes.h"
#include "module.h"
#include "queuedtask.h"

#include <memory>

namespace pomelo {

class DelayedQueue;
class Router;

/// The mini-program backend (API.md "Booking API", prefix /api/v1): login and profile, venues and
/// slots, bookings. Handlers translate JSON to the services' structs and back; the services
/// decide. It also registers the booking app's notifyUrl (`/api/v1/pay-notify`, paynotify.h).
/// With @p runWorkers, start() consumes the booking-expiry delayed queue and sweeps overdue
/// bookings.
class BookingWatch;

class BookingModule : public Module
{
public:
    BookingModule(const ServerContext &context, bool runWorkers);
    ~BookingModule() override;

    QString name() const override { return QStringLiteral("booking"); }
    void registerRoutes(Router &router) override;
    void start() override;
    void stop() override;
    BookingService &bookings() { return *m_bookings; }
    AuthService &auth() { return m_auth; }

private:
    void registerProfileRoutes(Router &router);
    void registerVenueRoutes(Router &router);
    void registerBookingRoutes(Router &router);
    /// GET /api/v1/bookings/{id}, with ?waitWhile= a long poll.
    HttpResponse getBooking(qint64 userId, const HttpRequest &r);
    HttpResponse bookingAnswer(const Booking &booking) const;

    const ServerContext &m_ctx;
    const bool m_runWorkers;
    AuthService m_auth;
    std::unique_ptr<DelayedQueue> m_expiryQueue;
    std::unique_ptr<BookingService> m_bookings;
    std::unique_ptr<BookingWatch> m_watch; ///< long polls of GET /api/v1/bookings/{id}
    queuedtask::Tasks m_tasks;
};

} // namespace pomelo
