<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>pomelo::api::AdminClient</name>
    <message>
        <source>Malformed answer from the server</source>
        <translation>Malformed answer from the server</translation>
    </message>
</context>
<context>
    <name>pomelo::console::AuditModel</name>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Who</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Target</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Error %1</source>
        <translation>Error %1</translation>
    </message>
    <message>
        <source>From</source>
        <translation>From</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
</context>
<context>
    <name>pomelo::console::AuditView</name>
    <message>
        <source>Load &amp;more</source>
        <translation>Load &amp;more</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Who</translation>
    </message>
    <message>
        <source>Target, e.g. order:123</source>
        <translation>Target, e.g. order:123</translation>
    </message>
    <message>
        <source>All actions</source>
        <translation>All actions</translation>
    </message>
    <message>
        <source>Filter loaded rows</source>
        <translation>Filter loaded rows</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>&amp;Search</translation>
    </message>
    <message numerus="yes">
        <source>%n entries loaded</source>
        <translation><numerusform>%n entry loaded</numerusform><numerusform>%n entries loaded</numerusform></translation>
    </message>
</context>
<context>
    <name>pomelo::console::ClosuresModel</name>
    <message>
        <source>Awaiting confirmation</source>
        <translation>Awaiting confirmation</translation>
    </message>
    <message>
        <source>Confirmed</source>
        <translation>Confirmed</translation>
    </message>
    <message>
        <source>Every day</source>
        <translation>Every day</translation>
    </message>
    <message>
        <source>All day</source>
        <translation>All day</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>Period</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>Days</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>Hours</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Affected bookings</source>
        <translation>Affected bookings</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Created by</source>
        <translation>Created by</translation>
    </message>
</context>
<context>
    <name>pomelo::console::DeliveryProgress</name>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Done: every notification was attempted.</source>
        <translation>Done: every notification was attempted.</translation>
    </message>
</context>
<context>
    <name>pomelo::console::DashboardView</name>
    <message>
        <source>Paid today</source>
        <translation>Paid today</translation>
    </message>
    <message>
        <source>Stream lag</source>
        <translation>Stream lag</translation>
    </message>
    <message>
        <source>Delayed queue</source>
        <translation>Delayed queue</translation>
    </message>
    <message>
        <source>Failed notifications</source>
        <translation>Failed notifications</translation>
    </message>
    <message>
        <source>Orders today by status</source>
        <translation>Orders today by status</translation>
    </message>
    <message>
        <source>Orders per minute (last hour)</source>
        <translation>Orders per minute (last hour)</translation>
    </message>
    <message numerus="yes">
        <source>%n pending</source>
        <translation><numerusform>%n pending</numerusform><numerusform>%n pending</numerusform></translation>
    </message>
    <message>
        <source>admins only</source>
        <translation>admins only</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unknown</translation>
    </message>
    <message>
        <source>%1 pending, %2 dead letters</source>
        <translation>%1 pending, %2 dead letters</translation>
    </message>
    <message>
        <source>%1 processing</source>
        <translation>%1 processing</translation>
    </message>
    <message>
        <source>Updated %1</source>
        <translation>Updated %1</translation>
    </message>
    <message numerus="yes">
        <source>%n orders today (first 5,000 counted)</source>
        <translation><numerusform>%n order today (first 5,000 counted)</numerusform><numerusform>%n orders today (first 5,000 counted)</numerusform></translation>
    </message>
    <message>
        <source>Net today</source>
        <translation>Net today</translation>
    </message>
    <message numerus="yes">
        <source>paid %1 · refunded %2 · %n orders</source>
        <translation><numerusform>paid %1 · refunded %2 · %n order</numerusform><numerusform>paid %1 · refunded %2 · %n orders</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n orders today</source>
        <translation><numerusform>%n order today</numerusform><numerusform>%n orders today</numerusform></translation>
    </message>
</context>
<context>
    <name>pomelo::console::Format</name>
    <message>
        <source>Created</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>Paying</source>
        <translation>Paying</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>Refunding</source>
        <translation>Refunding</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Free</source>
        <translation>Free</translation>
    </message>
    <message>
        <source>Held</source>
        <translation>Held</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>Booked</translation>
    </message>
    <message>
        <source>Checked in</source>
        <translation>Checked in</translation>
    </message>
    <message>
        <source>Closed</source>
        <comment>venue slot under a closure</comment>
        <translation>Closed</translation>
    </message>
    <message>
        <source>Awaiting payment</source>
        <translation>Awaiting payment</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>Pending</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <source>WeChat Pay</source>
        <translation>WeChat Pay</translation>
    </message>
    <message>
        <source>Campus card</source>
        <translation>Campus card</translation>
    </message>
    <message>
        <source>Close order</source>
        <translation>Close order</translation>
    </message>
    <message>
        <source>Verify with channel</source>
        <translation>Verify with channel</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Re-notify merchant</source>
        <translation>Re-notify merchant</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>Check in</translation>
    </message>
    <message>
        <source>Fire queue item</source>
        <translation>Fire queue item</translation>
    </message>
    <message>
        <source>Cancel queue item</source>
        <translation>Cancel queue item</translation>
    </message>
    <message>
        <source>Re-send notification</source>
        <translation>Re-send notification</translation>
    </message>
    <message>
        <source>Re-send failed notifications</source>
        <translation>Re-send failed notifications</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Log in</translation>
    </message>
    <message>
        <source>Failed log-in</source>
        <translation>Failed log-in</translation>
    </message>
    <message>
        <source>Refused log-in</source>
        <translation>Refused log-in</translation>
    </message>
    <message>
        <source>Re-deliver top-up</source>
        <translation>Re-deliver top-up</translation>
    </message>
    <message>
        <source>Refund top-up</source>
        <translation>Refund top-up</translation>
    </message>
</context>
<context>
    <name>pomelo::console::LocksModel</name>
    <message>
        <source>Key</source>
        <translation>Key</translation>
    </message>
    <message>
        <source>Owners</source>
        <translation>Owners</translation>
    </message>
    <message>
        <source>Expires in</source>
        <translation>Expires in</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
</context>
<context>
    <name>pomelo::console::LocksView</name>
    <message>
        <source>Filter locks</source>
        <translation>Filter locks</translation>
    </message>
    <message>
        <source>Locks held right now (venue slots while booking, orders while paying). They expire by themselves.</source>
        <translation>Locks held right now (venue slots while booking, orders while paying). They expire by themselves.</translation>
    </message>
    <message numerus="yes">
        <source>%n lock(s) held; updated %1</source>
        <translation><numerusform>%n lock held; updated %1</numerusform><numerusform>%n locks held; updated %1</numerusform></translation>
    </message>
</context>
<context>
    <name>pomelo::console::LoginDialog</name>
    <message>
        <source>Pomelo Pay console — log in</source>
        <translation>Pomelo Pay console — log in</translation>
    </message>
    <message>
        <source>&amp;Log in</source>
        <translation>&amp;Log in</translation>
    </message>
    <message>
        <source>&lt;h2&gt;Pomelo Pay&lt;/h2&gt;&lt;p&gt;Operator console&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Pomelo Pay&lt;/h2&gt;&lt;p&gt;Operator console&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>&amp;Server:</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>&amp;User:</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>&amp;Password:</translation>
    </message>
    <message>
        <source>Logging in…</source>
        <translation>Logging in…</translation>
    </message>
    <message>
        <source>Enter the server's address, e.g. http://127.0.0.1:8080</source>
        <translation>Enter the server's address, e.g. http://127.0.0.1:8080</translation>
    </message>
    <message>
        <source>Enter your user name and password.</source>
        <translation>Enter your user name and password.</translation>
    </message>
    <message>
        <source>Cannot reach the server: %1</source>
        <translation>Cannot reach the server: %1</translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation>Wrong user name or password.</translation>
    </message>
    <message>
        <source>Too many failed attempts; try again later.</source>
        <translation>Too many failed attempts; try again later.</translation>
    </message>
</context>
<context>
    <name>pomelo::console::MainWindow</name>
    <message>
        <source>Pomelo Pay console</source>
        <translation>Pomelo Pay console</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>Orders</translation>
    </message>
    <message>
        <source>Venue board</source>
        <translation>Venue board</translation>
    </message>
    <message>
        <source>Event stream</source>
        <translation>Event stream</translation>
    </message>
    <message>
        <source>Delayed queues</source>
        <translation>Delayed queues</translation>
    </message>
    <message>
        <source>Locks</source>
        <translation>Locks</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Notifications</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>Audit log</translation>
    </message>
    <message>
        <source>%1 (Ctrl+%2)</source>
        <translation>%1 (Ctrl+%2)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Refresh</translation>
    </message>
    <message>
        <source>Log &amp;out</source>
        <translation>Log &amp;out</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>&amp;Find in table</source>
        <translation>&amp;Find in table</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>&amp;Settings</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Language</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>System default</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>&amp;About</translation>
    </message>
    <message>
        <source>About Pomelo Pay console</source>
        <translation>About Pomelo Pay console</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Pomelo Pay console&lt;/h3&gt;&lt;p&gt;Operator console of the campus payment platform.&lt;/p&gt;&lt;p&gt;Server: %1&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Pomelo Pay console&lt;/h3&gt;&lt;p&gt;Operator console of the campus payment platform.&lt;/p&gt;&lt;p&gt;Server: %1&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>The language changes the next time the console starts.</source>
        <translation>The language changes the next time the console starts.</translation>
    </message>
    <message>
        <source>Not logged in</source>
        <translation>Not logged in</translation>
    </message>
    <message>
        <source>%1 (%2) at %3</source>
        <translation>%1 (%2) at %3</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>admin</translation>
    </message>
    <message>
        <source>staff</source>
        <translation>staff</translation>
    </message>
    <message>
        <source>Disconnected from the server — reconnecting… Data shown may be out of date.</source>
        <translation>Disconnected from the server — reconnecting… Data shown may be out of date.</translation>
    </message>
    <message>
        <source>Live updates paused — reconnecting…</source>
        <translation>Live updates paused — reconnecting…</translation>
    </message>
    <message>
        <source>● live</source>
        <translation>● live</translation>
    </message>
    <message>
        <source>○ polling</source>
        <translation>○ polling</translation>
    </message>
    <message>
        <source>Payment exceptions</source>
        <translation>Payment exceptions</translation>
    </message>
    <message>
        <source>Venues</source>
        <translation>Venues</translation>
    </message>
    <message>
        <source>Utility top-ups</source>
        <translation>Utility top-ups</translation>
    </message>
</context>
<context>
    <name>pomelo::console::NotificationsModel</name>
    <message>
        <source>Id</source>
        <translation>Id</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Order</translation>
    </message>
    <message>
        <source>App</source>
        <translation>App</translation>
    </message>
    <message>
        <source>Order status</source>
        <translation>Order status</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Last error</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Updated</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
</context>
<context>
    <name>pomelo::console::NotificationsView</name>
    <message>
        <source>All</source>
        <translation>All</translation>
    </message>
    <message>
        <source>&amp;Re-send selected</source>
        <translation>&amp;Re-send selected</translation>
    </message>
    <message>
        <source>Re-send &amp;all failed of an app…</source>
        <translation>Re-send &amp;all failed of an app…</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation>Filter</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>State:</translation>
    </message>
    <message>
        <source>Failed: %1 · Pending: %2 · Delivered: %3</source>
        <translation>Failed: %1 · Pending: %2 · Delivered: %3</translation>
    </message>
    <message>
        <source>Updated %1</source>
        <translation>Updated %1</translation>
    </message>
    <message>
        <source>Re-send</source>
        <translation>Re-send</translation>
    </message>
    <message numerus="yes">
        <source>Re-send %n notification(s) to their merchants?</source>
        <translation><numerusform>Re-send %n notification to their merchants?</numerusform><numerusform>Re-send %n notifications to their merchants?</numerusform></translation>
    </message>
    <message>
        <source>Re-sending…</source>
        <translation>Re-sending…</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Stop</translation>
    </message>
    <message numerus="yes">
        <source>%n re-sent</source>
        <translation><numerusform>%n re-sent</numerusform><numerusform>%n re-sent</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>, %n failed</source>
        <translation><numerusform>, %n failed</numerusform><numerusform>, %n failed</numerusform></translation>
    </message>
    <message>
        <source>Re-sending %1 (%2 of %3)…</source>
        <translation>Re-sending %1 (%2 of %3)…</translation>
    </message>
    <message>
        <source>Re-send all failed</source>
        <translation>Re-send all failed</translation>
    </message>
    <message>
        <source>Re-send every failed notification of app:</source>
        <translation>Re-send every failed notification of app:</translation>
    </message>
    <message>
        <source>Every FAILED notification of %1 is queued for delivery again.</source>
        <translation>Every FAILED notification of %1 is queued for delivery again.</translation>
    </message>
    <message>
        <source>Re-send all failed notifications of %1?</source>
        <translation>Re-send all failed notifications of %1?</translation>
    </message>
    <message>
        <source>%1 had no failed notifications.</source>
        <translation>%1 had no failed notifications.</translation>
    </message>
    <message numerus="yes">
        <source>Delivering %n notification(s) of %1…</source>
        <translation><numerusform>Delivering %n notification of %1…</numerusform><numerusform>Delivering %n notifications of %1…</numerusform></translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Done: every notification was attempted.</source>
        <translation>Done: every notification was attempted.</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>Action failed</translation>
    </message>
</context>
<context>
    <name>pomelo::console::OrdersModel</name>
    <message>
        <source>Order</source>
        <translation>Order</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>App</source>
        <translation>App</translation>
    </message>
    <message>
        <source>Merchant order no.</source>
        <translation>Merchant order no.</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Updated</translation>
    </message>
</context>
<context>
    <name>pomelo::console::OrdersView</name>
    <message>
        <source>Load &amp;more</source>
        <translation>Load &amp;more</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>All statuses</translation>
    </message>
    <message>
        <source>All apps</source>
        <translation>All apps</translation>
    </message>
    <message>
        <source>All channels</source>
        <translation>All channels</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Last 7 days</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Last 30 days</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>Any time</translation>
    </message>
    <message>
        <source>Search order id, merchant order no., subject…</source>
        <translation>Search order id, merchant order no., subject…</translation>
    </message>
    <message>
        <source>Filter loaded rows (Ctrl+F)</source>
        <translation>Filter loaded rows (Ctrl+F)</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>&amp;Search</translation>
    </message>
    <message>
        <source>C&amp;lose order…</source>
        <translation>C&amp;lose order…</translation>
    </message>
    <message>
        <source>&amp;Refund…</source>
        <translation>&amp;Refund…</translation>
    </message>
    <message>
        <source>&amp;Verify with channel…</source>
        <translation>&amp;Verify with channel…</translation>
    </message>
    <message>
        <source>Re-&amp;notify merchant…</source>
        <translation>Re-&amp;notify merchant…</translation>
    </message>
    <message>
        <source>Select an order to see its timeline.</source>
        <translation>Select an order to see its timeline.</translation>
    </message>
    <message numerus="yes">
        <source>%n orders loaded</source>
        <translation><numerusform>%n order loaded</numerusform><numerusform>%n orders loaded</numerusform></translation>
    </message>
    <message>
        <source> (more on the server)</source>
        <translation> (more on the server)</translation>
    </message>
    <message>
        <source>Could not load orders: %1</source>
        <translation>Could not load orders: %1</translation>
    </message>
    <message>
        <source>Could not load the order: %1</source>
        <translation>Could not load the order: %1</translation>
    </message>
    <message>
        <source>Order %1</source>
        <translation>Order %1</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source> (refunded %1)</source>
        <translation> (refunded %1)</translation>
    </message>
    <message>
        <source>App</source>
        <translation>App</translation>
    </message>
    <message>
        <source>Merchant order no.</source>
        <translation>Merchant order no.</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>Channel trade no.</source>
        <translation>Channel trade no.</translation>
    </message>
    <message>
        <source>User</source>
        <translation>User</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Expires</translation>
    </message>
    <message>
        <source>Trace id</source>
        <translation>Trace id</translation>
    </message>
    <message>
        <source>Booking</source>
        <translation>Booking</translation>
    </message>
    <message>
        <source>Span id</source>
        <translation>Span id</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>Timeline</translation>
    </message>
    <message>
        <source>Refunds</source>
        <translation>Refunds</translation>
    </message>
    <message>
        <source>%1 %2 by %3 — %4 (%5)</source>
        <translation>%1 %2 by %3 — %4 (%5)</translation>
    </message>
    <message>
        <source>Merchant notifications</source>
        <translation>Merchant notifications</translation>
    </message>
    <message numerus="yes">
        <source>#%1 %2: %3, %n attempt(s)</source>
        <translation><numerusform>#%1 %2: %3, %n attempt</numerusform><numerusform>#%1 %2: %3, %n attempts</numerusform></translation>
    </message>
    <message>
        <source>Channel callbacks</source>
        <translation>Channel callbacks</translation>
    </message>
    <message>
        <source>Code %1</source>
        <translation>Code %1</translation>
    </message>
    <message>
        <source>Trace id: %1</source>
        <translation>Trace id: %1</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>Action failed</translation>
    </message>
    <message>
        <source>Close order</source>
        <translation>Close order</translation>
    </message>
    <message>
        <source>Close order %1 (%2, %3)? The user can no longer pay it.</source>
        <translation>Close order %1 (%2, %3)? The user can no longer pay it.</translation>
    </message>
    <message>
        <source>Really close order %1 of %2?</source>
        <translation>Really close order %1 of %2?</translation>
    </message>
    <message>
        <source>Order %1 closed.</source>
        <translation>Order %1 closed.</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Refund order %1 (%2 paid, %3 refunded so far).</source>
        <translation>Refund order %1 (%2 paid, %3 refunded so far).</translation>
    </message>
    <message>
        <source>Really refund order %1 of %2?</source>
        <translation>Really refund order %1 of %2?</translation>
    </message>
    <message>
        <source>Refund of %1 for order %2 requested.</source>
        <translation>Refund of %1 for order %2 requested.</translation>
    </message>
    <message>
        <source>Verify with channel</source>
        <translation>Verify with channel</translation>
    </message>
    <message>
        <source>Ask the payment channel about order %1 (%2) and apply its answer: a paid order becomes PAID.</source>
        <translation>Ask the payment channel about order %1 (%2) and apply its answer: a paid order becomes PAID.</translation>
    </message>
    <message>
        <source>Verify order %1 of %2 with the channel?</source>
        <translation>Verify order %1 of %2 with the channel?</translation>
    </message>
    <message>
        <source>Order %1 verified: %2.</source>
        <translation>Order %1 verified: %2.</translation>
    </message>
    <message>
        <source>Re-notify merchant</source>
        <translation>Re-notify merchant</translation>
    </message>
    <message>
        <source>Send the result of order %1 (%2) to merchant %3 again.</source>
        <translation>Send the result of order %1 (%2) to merchant %3 again.</translation>
    </message>
    <message>
        <source>Re-notify the merchant of order %1 of %2?</source>
        <translation>Re-notify the merchant of order %1 of %2?</translation>
    </message>
    <message numerus="yes">
        <source>%n notification(s) of order %1 queued again.</source>
        <translation><numerusform>%n notification of order %1 queued again.</numerusform><numerusform>%n notifications of order %1 queued again.</numerusform></translation>
    </message>
</context>
<context>
    <name>pomelo::console::PaymentExceptionModel</name>
    <message>
        <source>Refunding</source>
        <translation>Refunding</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Refund failed</source>
        <translation>Refund failed</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>Amount differs from the order</source>
        <translation>Amount differs from the order</translation>
    </message>
    <message>
        <source>Wrong currency</source>
        <translation>Wrong currency</translation>
    </message>
    <message>
        <source>Wrong channel or channel order</source>
        <translation>Wrong channel or channel order</translation>
    </message>
    <message>
        <source>Another merchant</source>
        <translation>Another merchant</translation>
    </message>
    <message>
        <source>Unknown order</source>
        <translation>Unknown order</translation>
    </message>
    <message>
        <source>Paid after the order closed</source>
        <translation>Paid after the order closed</translation>
    </message>
    <message>
        <source>Paid twice</source>
        <translation>Paid twice</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>Id</translation>
    </message>
    <message>
        <source>Recorded</source>
        <translation>Recorded</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Order</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Refund attempts</source>
        <translation>Refund attempts</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Updated</translation>
    </message>
</context>
<context>
    <name>pomelo::console::PaymentExceptionsView</name>
    <message>
        <source>Load &amp;more</source>
        <translation>Load &amp;more</translation>
    </message>
    <message>
        <source>Mark &amp;resolved…</source>
        <translation>Mark &amp;resolved…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>All</source>
        <translation>All</translation>
    </message>
    <message>
        <source>Filter loaded rows</source>
        <translation>Filter loaded rows</translation>
    </message>
    <message>
        <source>Select a payment exception to see what happened.</source>
        <translation>Select a payment exception to see what happened.</translation>
    </message>
    <message>
        <source>Payments a channel took that no order keeps. Each is refunded through its channel by itself; close the case once the refund settled, or once you settled a refused one by hand.</source>
        <translation>Payments a channel took that no order keeps. Each is refunded through its channel by itself; close the case once the refund settled, or once you settled a refused one by hand.</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>State:</translation>
    </message>
    <message numerus="yes">
        <source>%n open, %1 loaded; updated %2</source>
        <translation><numerusform>%n open, %1 loaded; updated %2</numerusform><numerusform>%n open, %1 loaded; updated %2</numerusform></translation>
    </message>
    <message>
        <source>Payment exception %1</source>
        <translation>Payment exception %1</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>What differed</source>
        <translation>What differed</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Order amount</source>
        <translation>Order amount</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Order</translation>
    </message>
    <message>
        <source>none of ours</source>
        <translation>none of ours</translation>
    </message>
    <message>
        <source>Merchant order no.</source>
        <translation>Merchant order no.</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>Channel trade no.</source>
        <translation>Channel trade no.</translation>
    </message>
    <message>
        <source>Recorded</source>
        <translation>Recorded</translation>
    </message>
    <message>
        <source>Refund attempts</source>
        <translation>Refund attempts</translation>
    </message>
    <message>
        <source>Next attempt</source>
        <translation>Next attempt</translation>
    </message>
    <message>
        <source>Channel refund no.</source>
        <translation>Channel refund no.</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Last error</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>Resolved by</source>
        <translation>Resolved by</translation>
    </message>
    <message>
        <source>Resolution</source>
        <translation>Resolution</translation>
    </message>
    <message>
        <source>The channel refused the refund: the payer has not got the money back. Settle it by hand, then mark the case resolved.</source>
        <translation>The channel refused the refund: the payer has not got the money back. Settle it by hand, then mark the case resolved.</translation>
    </message>
    <message>
        <source>The channel refunded %1 to the payer.</source>
        <translation>The channel refunded %1 to the payer.</translation>
    </message>
    <message>
        <source>The channel refused to refund %1: only close the case once the payer got the money back some other way.</source>
        <translation>The channel refused to refund %1: only close the case once the payer got the money back some other way.</translation>
    </message>
    <message>
        <source>Mark resolved</source>
        <translation>Mark resolved</translation>
    </message>
    <message>
        <source>Close payment exception %1 (%2, %3 through %4).</source>
        <translation>Close payment exception %1 (%2, %3 through %4).</translation>
    </message>
    <message>
        <source>Really mark payment exception %1 of %2 resolved?</source>
        <translation>Really mark payment exception %1 of %2 resolved?</translation>
    </message>
    <message>
        <source>Payment exception %1 resolved.</source>
        <translation>Payment exception %1 resolved.</translation>
    </message>
    <message>
        <source>Code %1</source>
        <translation>Code %1</translation>
    </message>
    <message>
        <source>Trace id: %1</source>
        <translation>Trace id: %1</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>Action failed</translation>
    </message>
</context>
<context>
    <name>pomelo::console::PollingView</name>
    <message>
        <source>Could not refresh: %1</source>
        <translation>Could not refresh: %1</translation>
    </message>
</context>
<context>
    <name>pomelo::console::QueueItemsModel</name>
    <message>
        <source>Queue</source>
        <translation>Queue</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Processing</source>
        <translation>Processing</translation>
    </message>
    <message>
        <source>Scheduled</source>
        <translation>Scheduled</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>Payload</source>
        <translation>Payload</translation>
    </message>
</context>
<context>
    <name>pomelo::console::QueuesView</name>
    <message>
        <source>&amp;Fire now…</source>
        <translation>&amp;Fire now…</translation>
    </message>
    <message>
        <source>&amp;Cancel item…</source>
        <translation>&amp;Cancel item…</translation>
    </message>
    <message>
        <source>Filter items</source>
        <translation>Filter items</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;: %2 scheduled, %3 processing</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;: %2 scheduled, %3 processing</translation>
    </message>
    <message>
        <source>Updated %1</source>
        <translation>Updated %1</translation>
    </message>
    <message>
        <source>Fire %1 of queue %2 now?</source>
        <translation>Fire %1 of queue %2 now?</translation>
    </message>
    <message>
        <source>Remove %1 from queue %2? It will never fire.</source>
        <translation>Remove %1 from queue %2? It will never fire.</translation>
    </message>
    <message>
        <source>Fire now</source>
        <translation>Fire now</translation>
    </message>
    <message>
        <source>Cancel queue item</source>
        <translation>Cancel queue item</translation>
    </message>
    <message>
        <source>Payload: %1</source>
        <translation>Payload: %1</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>Action failed</translation>
    </message>
</context>
<context>
    <name>pomelo::console::ReasonDialog</name>
    <message>
        <source>Amount in yuan, e.g. 12.50</source>
        <translation>Amount in yuan, e.g. 12.50</translation>
    </message>
    <message>
        <source>Refund amount (¥, at most %1):</source>
        <translation>Refund amount (¥, at most %1):</translation>
    </message>
    <message>
        <source>Required: kept in the audit log</source>
        <translation>Required: kept in the audit log</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Optional</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>Reason:</translation>
    </message>
    <message>
        <source>Enter an amount in yuan with at most two decimals.</source>
        <translation>Enter an amount in yuan with at most two decimals.</translation>
    </message>
    <message>
        <source>At most %1 can be refunded.</source>
        <translation>At most %1 can be refunded.</translation>
    </message>
    <message>
        <source>A reason is required.</source>
        <translation>A reason is required.</translation>
    </message>
    <message>
        <source>The reason is too long (at most 500 characters).</source>
        <translation>The reason is too long (at most 500 characters).</translation>
    </message>
    <message>
        <source>Refund amount: %1</source>
        <translation>Refund amount: %1</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>Reason: %1</translation>
    </message>
</context>
<context>
    <name>pomelo::console::StreamEntriesModel</name>
    <message>
        <source>Entry</source>
        <translation>Entry</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Order</translation>
    </message>
    <message>
        <source>App</source>
        <translation>App</translation>
    </message>
    <message>
        <source>From</source>
        <translation>From</translation>
    </message>
    <message>
        <source>To</source>
        <translation>To</translation>
    </message>
    <message>
        <source>Fields</source>
        <translation>Fields</translation>
    </message>
</context>
<context>
    <name>pomelo::console::StreamGroupsModel</name>
    <message>
        <source>Group</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>Consumers</source>
        <translation>Consumers</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>Pending</translation>
    </message>
    <message>
        <source>Lag</source>
        <translation>Lag</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unknown</translation>
    </message>
    <message>
        <source>Last delivered</source>
        <translation>Last delivered</translation>
    </message>
</context>
<context>
    <name>pomelo::console::StreamsView</name>
    <message>
        <source>Filter entries</source>
        <translation>Filter entries</translation>
    </message>
    <message>
        <source>Consumer groups</source>
        <translation>Consumer groups</translation>
    </message>
    <message>
        <source>Latest events</source>
        <translation>Latest events</translation>
    </message>
    <message>
        <source>Dead letters</source>
        <translation>Dead letters</translation>
    </message>
    <message>
        <source>Stream &lt;b&gt;%1&lt;/b&gt;: %2 entries, last id %3; dead letters: %4</source>
        <translation>Stream &lt;b&gt;%1&lt;/b&gt;: %2 entries, last id %3; dead letters: %4</translation>
    </message>
    <message>
        <source>Updated %1</source>
        <translation>Updated %1</translation>
    </message>
</context>
<context>
    <name>pomelo::console::TopupsModel</name>
    <message>
        <source>Awaiting payment</source>
        <translation>Awaiting payment</translation>
    </message>
    <message>
        <source>Paid, delivering</source>
        <translation>Paid, delivering</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <source>Delivery failed</source>
        <translation>Delivery failed</translation>
    </message>
    <message>
        <source>Refunding</source>
        <translation>Refunding</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>Electricity</source>
        <translation>Electricity</translation>
    </message>
    <message>
        <source>Water</source>
        <translation>Water</translation>
    </message>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>Payment notification</source>
        <translation>Payment notification</translation>
    </message>
    <message>
        <source>Staff %1</source>
        <translation>Staff %1</translation>
    </message>
    <message>
        <source>Status change</source>
        <translation>Status change</translation>
    </message>
    <message>
        <source>Delivery attempt</source>
        <translation>Delivery attempt</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>Room</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Delivery attempts</source>
        <translation>Delivery attempts</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Last error</translation>
    </message>
    <message>
        <source>Student</source>
        <translation>Student</translation>
    </message>
</context>
<context>
    <name>pomelo::console::TopupsView</name>
    <message>
        <source>Load &amp;more</source>
        <translation>Load &amp;more</translation>
    </message>
    <message>
        <source>Re-&amp;deliver…</source>
        <translation>Re-&amp;deliver…</translation>
    </message>
    <message>
        <source>Re&amp;fund…</source>
        <translation>Re&amp;fund…</translation>
    </message>
    <message>
        <source>Look &amp;up room</source>
        <translation>Look &amp;up room</translation>
    </message>
    <message>
        <source>Filter loaded rows</source>
        <translation>Filter loaded rows</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>All statuses</translation>
    </message>
    <message>
        <source>Top-up %1 is not among the loaded rows: choose &quot;All statuses&quot; or load more.</source>
        <translation>Top-up %1 is not among the loaded rows: choose &quot;All statuses&quot; or load more.</translation>
    </message>
    <message>
        <source>Select a top-up to see its delivery and history.</source>
        <translation>Select a top-up to see its delivery and history.</translation>
    </message>
    <message>
        <source>Enter a room id such as ZY1-101 above to see its balances, its students and its top-ups.</source>
        <translation>Enter a room id such as ZY1-101 above to see its balances, its students and its top-ups.</translation>
    </message>
    <message>
        <source>Top-up</source>
        <translation>Top-up</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>Room</translation>
    </message>
    <message>
        <source>Electricity and water top-ups of the dorms. A paid top-up is delivered to the utility system by itself and retried while it is busy; re-deliver one that failed or waits, or (admins) refund it.</source>
        <translation>Electricity and water top-ups of the dorms. A paid top-up is delivered to the utility system by itself and retried while it is busy; re-deliver one that failed or waits, or (admins) refund it.</translation>
    </message>
    <message>
        <source>Room id, e.g. ZY1-101</source>
        <translation>Room id, e.g. ZY1-101</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Room:</source>
        <translation>Room:</translation>
    </message>
    <message numerus="yes">
        <source>%n loaded, %1 failed; updated %2</source>
        <translation><numerusform>%n loaded, %1 failed; updated %2</numerusform><numerusform>%n loaded, %1 failed; updated %2</numerusform></translation>
    </message>
    <message>
        <source>Could not load the top-up: %1</source>
        <translation>Could not load the top-up: %1</translation>
    </message>
    <message>
        <source>Top-up %1</source>
        <translation>Top-up %1</translation>
    </message>
    <message>
        <source>Student</source>
        <translation>Student</translation>
    </message>
    <message>
        <source>unknown (user %1)</source>
        <translation>unknown (user %1)</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Pay order</source>
        <translation>Pay order</translation>
    </message>
    <message>
        <source>not signed yet</source>
        <translation>not signed yet</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>Balance after</source>
        <translation>Balance after</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Expires</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Delivery started</source>
        <translation>Delivery started</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <source>Delivery attempts</source>
        <translation>Delivery attempts</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Last error</translation>
    </message>
    <message>
        <source>Next attempt</source>
        <translation>Next attempt</translation>
    </message>
    <message>
        <source>Failure reason</source>
        <translation>Failure reason</translation>
    </message>
    <message>
        <source>The student paid and the room was not credited. Re-deliver it, or refund it (admins).</source>
        <translation>The student paid and the room was not credited. Re-deliver it, or refund it (admins).</translation>
    </message>
    <message>
        <source>History</source>
        <translation>History</translation>
    </message>
    <message>
        <source>Looking up room %1…</source>
        <translation>Looking up room %1…</translation>
    </message>
    <message>
        <source>No room %1: neither the utility system nor any student knows it.</source>
        <translation>No room %1: neither the utility system nor any student knows it.</translation>
    </message>
    <message>
        <source>Could not look up room %1: %2</source>
        <translation>Could not look up room %1: %2</translation>
    </message>
    <message>
        <source>Room %1</source>
        <translation>Room %1</translation>
    </message>
    <message>
        <source>Room %1 (%2)</source>
        <translation>Room %1 (%2)</translation>
    </message>
    <message>
        <source>Electricity balance</source>
        <translation>Electricity balance</translation>
    </message>
    <message>
        <source>Water balance</source>
        <translation>Water balance</translation>
    </message>
    <message>
        <source>Power</source>
        <translation>Power</translation>
    </message>
    <message>
        <source>On</source>
        <translation>On</translation>
    </message>
    <message>
        <source>Cut off</source>
        <translation>Cut off</translation>
    </message>
    <message>
        <source>Balances</source>
        <translation>Balances</translation>
    </message>
    <message>
        <source>the utility system did not answer: %1</source>
        <translation>the utility system did not answer: %1</translation>
    </message>
    <message>
        <source>Bound students</source>
        <translation>Bound students</translation>
    </message>
    <message>
        <source>None</source>
        <translation>None</translation>
    </message>
    <message>
        <source>bound %1</source>
        <translation>bound %1</translation>
    </message>
    <message>
        <source>Latest top-ups</source>
        <translation>Latest top-ups</translation>
    </message>
    <message>
        <source>Its delivery failed: a new run of attempts starts now.</source>
        <translation>Its delivery failed: a new run of attempts starts now.</translation>
    </message>
    <message>
        <source>It is waiting for its next attempt: that attempt is made now.</source>
        <translation>It is waiting for its next attempt: that attempt is made now.</translation>
    </message>
    <message>
        <source>Re-deliver top-up</source>
        <translation>Re-deliver top-up</translation>
    </message>
    <message>
        <source>Deliver top-up %1 (%2) to the utility system again.</source>
        <translation>Deliver top-up %1 (%2) to the utility system again.</translation>
    </message>
    <message>
        <source>Really re-deliver top-up %1 (%2)?</source>
        <translation>Really re-deliver top-up %1 (%2)?</translation>
    </message>
    <message>
        <source>Top-up %1 is being delivered again.</source>
        <translation>Top-up %1 is being delivered again.</translation>
    </message>
    <message>
        <source>Refund top-up</source>
        <translation>Refund top-up</translation>
    </message>
    <message>
        <source>Stop delivering top-up %1 (%2) and refund %3 to the student through %4.</source>
        <translation>Stop delivering top-up %1 (%2) and refund %3 to the student through %4.</translation>
    </message>
    <message>
        <source>The utility system is asked first: a top-up it credited after all is delivered, not refunded.</source>
        <translation>The utility system is asked first: a top-up it credited after all is delivered, not refunded.</translation>
    </message>
    <message>
        <source>Really refund %1 of top-up %2?</source>
        <translation>Really refund %1 of top-up %2?</translation>
    </message>
    <message>
        <source>The refund of top-up %1 was asked for: %2.</source>
        <translation>The refund of top-up %1 was asked for: %2.</translation>
    </message>
    <message>
        <source>Code %1</source>
        <translation>Code %1</translation>
    </message>
    <message>
        <source>Trace id: %1</source>
        <translation>Trace id: %1</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>Action failed</translation>
    </message>
</context>
<context>
    <name>pomelo::console::TraceLabel</name>
    <message>
        <source>Copy trace id</source>
        <translation>Copy trace id</translation>
    </message>
    <message>
        <source>Copy the trace id to the clipboard</source>
        <translation>Copy the trace id to the clipboard</translation>
    </message>
    <message>
        <source>Trace id</source>
        <translation>Trace id</translation>
    </message>
    <message>
        <source>Open the trace in the trace viewer</source>
        <translation>Open the trace in the trace viewer</translation>
    </message>
</context>
<context>
    <name>pomelo::console::TableView</name>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Copy</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenueBoardModel</name>
    <message>
        <source>Booking %1</source>
        <translation>Booking %1</translation>
    </message>
    <message>
        <source>User: %1 %2</source>
        <translation>User: %1 %2</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenueBoardView</name>
    <message>
        <source>Check &amp;in</source>
        <translation>Check &amp;in</translation>
    </message>
    <message>
        <source>◀ Previous day</source>
        <translation>◀ Previous day</translation>
    </message>
    <message>
        <source>&amp;Today</source>
        <translation>&amp;Today</translation>
    </message>
    <message>
        <source>Next day ▶</source>
        <translation>Next day ▶</translation>
    </message>
    <message>
        <source>Click a booking to see it.</source>
        <translation>Click a booking to see it.</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n slot(s) taken</source>
        <translation><numerusform>%1: %n slot taken</numerusform><numerusform>%1: %n slots taken</numerusform></translation>
    </message>
    <message>
        <source>Could not load the board: %1</source>
        <translation>Could not load the board: %1</translation>
    </message>
    <message>
        <source>Booking</source>
        <translation>Booking</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Student id</source>
        <translation>Student id</translation>
    </message>
    <message>
        <source>WeChat user</source>
        <translation>WeChat user</translation>
    </message>
    <message>
        <source>Only bookings of today can be checked in.</source>
        <translation>Only bookings of today can be checked in.</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>Check in</translation>
    </message>
    <message>
        <source>Check in %1 for %2, %3–%4?</source>
        <translation>Check in %1 for %2, %3–%4?</translation>
    </message>
    <message>
        <source>Booking %1 checked in.</source>
        <translation>Booking %1 checked in.</translation>
    </message>
    <message>
        <source>Check-in failed</source>
        <translation>Check-in failed</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenueClosureDialog</name>
    <message>
        <source>Choose the first and the last day.</source>
        <translation>Choose the first and the last day.</translation>
    </message>
    <message>
        <source>The last day is before the first day.</source>
        <translation>The last day is before the first day.</translation>
    </message>
    <message>
        <source>The closure would be over already.</source>
        <translation>The closure would be over already.</translation>
    </message>
    <message>
        <source>Check at least one weekday.</source>
        <translation>Check at least one weekday.</translation>
    </message>
    <message>
        <source>From: enter HH:MM, e.g. 14:00.</source>
        <translation>From: enter HH:MM, e.g. 14:00.</translation>
    </message>
    <message>
        <source>Until: enter HH:MM, e.g. 16:00 (or 24:00).</source>
        <translation>Until: enter HH:MM, e.g. 16:00 (or 24:00).</translation>
    </message>
    <message>
        <source>The daily time range must end after it starts.</source>
        <translation>The daily time range must end after it starts.</translation>
    </message>
    <message>
        <source>A reason is required: the students read it.</source>
        <translation>A reason is required: the students read it.</translation>
    </message>
    <message>
        <source>The reason is too long (at most %1 characters).</source>
        <translation>The reason is too long (at most %1 characters).</translation>
    </message>
    <message>
        <source>&amp;Whole days</source>
        <translation>&amp;Whole days</translation>
    </message>
    <message>
        <source>&amp;Times on given days</source>
        <translation>&amp;Times on given days</translation>
    </message>
    <message>
        <source>Close %1</source>
        <translation>Close %1</translation>
    </message>
    <message>
        <source>On:</source>
        <translation>On:</translation>
    </message>
    <message>
        <source>From – until:</source>
        <translation>From – until:</translation>
    </message>
    <message>
        <source>to</source>
        <translation>to</translation>
    </message>
    <message>
        <source>Required: shown to the students whose bookings it covers</source>
        <translation>Required: shown to the students whose bookings it covers</translation>
    </message>
    <message>
        <source>A closure refuses new bookings at once. The bookings it covers are cancelled (and refunded) only when an admin confirms it.</source>
        <translation>A closure refuses new bookings at once. The bookings it covers are cancelled (and refunded) only when an admin confirms it.</translation>
    </message>
    <message>
        <source>Days:</source>
        <translation>Days:</translation>
    </message>
    <message>
        <source>Closed:</source>
        <translation>Closed:</translation>
    </message>
    <message>
        <source>&amp;Reason:</source>
        <translation>&amp;Reason:</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>A closure lasts at most %1 days.</source>
        <translation>A closure lasts at most %1 days.</translation>
    </message>
    <message>
        <source>Daily times must be on 5-minute steps.</source>
        <translation>Daily times must be on 5-minute steps.</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenueDialog</name>
    <message>
        <source>Enter the venue&apos;s name.</source>
        <translation>Enter the venue&apos;s name.</translation>
    </message>
    <message>
        <source>The name is too long (at most %1 characters).</source>
        <translation>The name is too long (at most %1 characters).</translation>
    </message>
    <message>
        <source>Choose a sport.</source>
        <translation>Choose a sport.</translation>
    </message>
    <message>
        <source>Opening time: enter HH:MM, e.g. 08:00.</source>
        <translation>Opening time: enter HH:MM, e.g. 08:00.</translation>
    </message>
    <message>
        <source>Closing time: enter HH:MM, e.g. 22:00 (or 24:00).</source>
        <translation>Closing time: enter HH:MM, e.g. 22:00 (or 24:00).</translation>
    </message>
    <message>
        <source>Opening and closing times must be on 5-minute steps.</source>
        <translation>Opening and closing times must be on 5-minute steps.</translation>
    </message>
    <message>
        <source>The venue must open before it closes.</source>
        <translation>The venue must open before it closes.</translation>
    </message>
    <message>
        <source>A slot lasts 5 to 240 minutes, in steps of 5.</source>
        <translation>A slot lasts 5 to 240 minutes, in steps of 5.</translation>
    </message>
    <message>
        <source>%1 minutes of opening hours are not a whole number of %2-minute slots.</source>
        <translation>%1 minutes of opening hours are not a whole number of %2-minute slots.</translation>
    </message>
    <message>
        <source>Price: enter yuan with at most two decimals, e.g. 20 or 12.50 (at most %1).</source>
        <translation>Price: enter yuan with at most two decimals, e.g. 20 or 12.50 (at most %1).</translation>
    </message>
    <message>
        <source>A reason is required.</source>
        <translation>A reason is required.</translation>
    </message>
    <message>
        <source>The reason is too long (at most 500 characters).</source>
        <translation>The reason is too long (at most 500 characters).</translation>
    </message>
    <message>
        <source>Edit venue %1</source>
        <translation>Edit venue %1</translation>
    </message>
    <message>
        <source>Add venue</source>
        <translation>Add venue</translation>
    </message>
    <message>
        <source>e.g. Badminton court 5</source>
        <translation>e.g. Badminton court 5</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>Yuan, e.g. 20 or 12.50</source>
        <translation>Yuan, e.g. 20 or 12.50</translation>
    </message>
    <message>
        <source>Required: kept in the audit log</source>
        <translation>Required: kept in the audit log</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Optional</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Sport:</source>
        <translation>&amp;Sport:</translation>
    </message>
    <message>
        <source>Opening &amp;hours:</source>
        <translation>Opening &amp;hours:</translation>
    </message>
    <message>
        <source>S&amp;lot length:</source>
        <translation>S&amp;lot length:</translation>
    </message>
    <message>
        <source>&amp;Price per slot (¥):</source>
        <translation>&amp;Price per slot (¥):</translation>
    </message>
    <message>
        <source>&amp;Reason:</source>
        <translation>&amp;Reason:</translation>
    </message>
    <message>
        <source>Bookings already made keep their times and price: new hours, slot length and price apply to new bookings.</source>
        <translation>Bookings already made keep their times and price: new hours, slot length and price apply to new bookings.</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Saving…</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenuesModel</name>
    <message>
        <source>Badminton</source>
        <translation>Badminton</translation>
    </message>
    <message>
        <source>Basketball</source>
        <translation>Basketball</translation>
    </message>
    <message>
        <source>Table tennis</source>
        <translation>Table tennis</translation>
    </message>
    <message>
        <source>Swimming</source>
        <translation>Swimming</translation>
    </message>
    <message>
        <source>Tennis</source>
        <translation>Tennis</translation>
    </message>
    <message>
        <source>Volleyball</source>
        <translation>Volleyball</translation>
    </message>
    <message>
        <source>Football</source>
        <translation>Football</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Sport</source>
        <translation>Sport</translation>
    </message>
    <message>
        <source>Opening hours</source>
        <translation>Opening hours</translation>
    </message>
    <message>
        <source>Slot</source>
        <translation>Slot</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>Price per slot</source>
        <translation>Price per slot</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>Out of service</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenuesView</name>
    <message>
        <source>Code %1</source>
        <translation>Code %1</translation>
    </message>
    <message>
        <source>Trace id: %1</source>
        <translation>Trace id: %1</translation>
    </message>
    <message>
        <source>Show venues &amp;out of service</source>
        <translation>Show venues &amp;out of service</translation>
    </message>
    <message>
        <source>Show &amp;ended</source>
        <translation>Show &amp;ended</translation>
    </message>
    <message>
        <source>Filter venues (name, sport, hours, price)</source>
        <translation>Filter venues (name, sport, hours, price)</translation>
    </message>
    <message>
        <source>&amp;Add venue…</source>
        <translation>&amp;Add venue…</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Edit…</translation>
    </message>
    <message>
        <source>Take out of ser&amp;vice…</source>
        <translation>Take out of ser&amp;vice…</translation>
    </message>
    <message>
        <source>Add &amp;closure…</source>
        <translation>Add &amp;closure…</translation>
    </message>
    <message>
        <source>&amp;Delete closure…</source>
        <translation>&amp;Delete closure…</translation>
    </message>
    <message>
        <source>Con&amp;firm: cancel and refund…</source>
        <translation>Con&amp;firm: cancel and refund…</translation>
    </message>
    <message>
        <source>Closures</source>
        <translation>Closures</translation>
    </message>
    <message numerus="yes">
        <source>%n venue(s), %1 in service; updated %2</source>
        <translation><numerusform>%n venue, %1 in service; updated %2</numerusform><numerusform>%n venues, %1 in service; updated %2</numerusform></translation>
    </message>
    <message>
        <source>Closures of %1</source>
        <translation>Closures of %1</translation>
    </message>
    <message>
        <source>Put back in ser&amp;vice…</source>
        <translation>Put back in ser&amp;vice…</translation>
    </message>
    <message>
        <source>Venue %1 added.</source>
        <translation>Venue %1 added.</translation>
    </message>
    <message>
        <source>Venue %1 saved.</source>
        <translation>Venue %1 saved.</translation>
    </message>
    <message>
        <source>Put back in service</source>
        <translation>Put back in service</translation>
    </message>
    <message>
        <source>Students can book %1 again.</source>
        <translation>Students can book %1 again.</translation>
    </message>
    <message>
        <source>Really put %1 back in service?</source>
        <translation>Really put %1 back in service?</translation>
    </message>
    <message>
        <source>Take out of service</source>
        <translation>Take out of service</translation>
    </message>
    <message>
        <source>%1 disappears from the mini-program and refuses new bookings. Bookings already made stay: close the venue for their times to cancel and refund them.</source>
        <translation>%1 disappears from the mini-program and refuses new bookings. Bookings already made stay: close the venue for their times to cancel and refund them.</translation>
    </message>
    <message>
        <source>Really take %1 out of service?</source>
        <translation>Really take %1 out of service?</translation>
    </message>
    <message>
        <source>%1 is in service again.</source>
        <translation>%1 is in service again.</translation>
    </message>
    <message>
        <source>%1 is out of service.</source>
        <translation>%1 is out of service.</translation>
    </message>
    <message numerus="yes">
        <source>Closure of %1 added: it covers %n booking(s), untouched until an admin confirms it.</source>
        <translation><numerusform>Closure of %1 added: it covers %n booking, untouched until an admin confirms it.</numerusform><numerusform>Closure of %1 added: it covers %n bookings, untouched until an admin confirms them.</numerusform></translation>
    </message>
    <message>
        <source>Delete closure</source>
        <translation>Delete closure</translation>
    </message>
    <message>
        <source>Delete the closure of %1 (%2, %3 %4: %5). Its times can be booked again; bookings already cancelled or refunded stay so.</source>
        <translation>Delete the closure of %1 (%2, %3 %4: %5). Its times can be booked again; bookings already cancelled or refunded stay so.</translation>
    </message>
    <message>
        <source>Really delete the closure of %1 (%2)?</source>
        <translation>Really delete the closure of %1 (%2)?</translation>
    </message>
    <message>
        <source>Closure %1 deleted.</source>
        <translation>Closure %1 deleted.</translation>
    </message>
    <message>
        <source>Loading the bookings the closure covers…</source>
        <translation>Loading the bookings the closure covers…</translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation><numerusform>… and %n more</numerusform><numerusform>… and %n more</numerusform></translation>
    </message>
    <message>
        <source>Closure of %1: %2, %3 %4 — %5</source>
        <translation>Closure of %1: %2, %3 %4 — %5</translation>
    </message>
    <message>
        <source>It covers no booking now: confirming only records the decision.</source>
        <translation>It covers no booking now: confirming only records the decision.</translation>
    </message>
    <message numerus="yes">
        <source>Confirming cancels the %n booking(s) it covers; each student gets a message.</source>
        <translation><numerusform>Confirming cancels the booking it covers; the student gets a message.</numerusform><numerusform>Confirming cancels the %n bookings it covers; each student gets a message.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n paid booking(s) will be refunded, %1 in all.</source>
        <translation><numerusform>%n paid booking will be refunded, %1 in all.</numerusform><numerusform>%n paid bookings will be refunded, %1 in all.</numerusform></translation>
    </message>
    <message>
        <source>Really confirm the closure of %1 (%2)?</source>
        <translation>Really confirm the closure of %1 (%2)?</translation>
    </message>
    <message numerus="yes">
        <source>Really cancel %n booking(s) of %1 and refund %2?</source>
        <translation><numerusform>Really cancel %n booking of %1 and refund %2?</numerusform><numerusform>Really cancel %n bookings of %1 and refund %2?</numerusform></translation>
    </message>
    <message>
        <source>Confirm closure</source>
        <translation>Confirm closure</translation>
    </message>
    <message>
        <source>Closure confirmed: %1 cancelled, %2 refunded, %3 being refunded, %4 awaiting payment, %5 unchanged, %6 failed.</source>
        <translation>Closure confirmed: %1 cancelled, %2 refunded, %3 being refunded, %4 awaiting payment, %5 unchanged, %6 failed.</translation>
    </message>
    <message numerus="yes">
        <source>%n booking(s) could not be cancelled or refunded. Confirm again to retry them.</source>
        <translation><numerusform>%n booking could not be cancelled or refunded. Confirm again to retry it.</numerusform><numerusform>%n bookings could not be cancelled or refunded. Confirm again to retry them.</numerusform></translation>
    </message>
    <message>
        <source>Action failed: %1</source>
        <translation>Action failed: %1</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>Action failed</translation>
    </message>
</context>
</TS>
