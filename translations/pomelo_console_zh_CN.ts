<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>pomelo::api::AdminClient</name>
    <message>
        <source>Malformed answer from the server</source>
        <translation>服务器返回了无法解析的响应</translation>
    </message>
</context>
<context>
    <name>pomelo::console::AuditModel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>Error %1</source>
        <translation>错误 %1</translation>
    </message>
    <message>
        <source>From</source>
        <translation>来源地址</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
</context>
<context>
    <name>pomelo::console::AuditView</name>
    <message>
        <source>Load &amp;more</source>
        <translation>加载更多(&amp;M)</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Target, e.g. order:123</source>
        <translation>对象，例如 order:123</translation>
    </message>
    <message>
        <source>All actions</source>
        <translation>全部操作</translation>
    </message>
    <message>
        <source>Filter loaded rows</source>
        <translation>筛选已加载的行</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>查询(&amp;S)</translation>
    </message>
    <message numerus="yes">
        <source>%n entries loaded</source>
        <translation><numerusform>已加载 %n 条</numerusform></translation>
    </message>
</context>
<context>
    <name>pomelo::console::ClosuresModel</name>
    <message>
        <source>Awaiting confirmation</source>
        <translation>待确认</translation>
    </message>
    <message>
        <source>Confirmed</source>
        <translation>已确认</translation>
    </message>
    <message>
        <source>Every day</source>
        <translation>每天</translation>
    </message>
    <message>
        <source>All day</source>
        <translation>全天</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>时间段</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>星期</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>每日时段</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Affected bookings</source>
        <translation>受影响预约</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Created by</source>
        <translation>创建人</translation>
    </message>
</context>
<context>
    <name>pomelo::console::DeliveryProgress</name>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Done: every notification was attempted.</source>
        <translation>完成：所有通知均已尝试发送。</translation>
    </message>
</context>
<context>
    <name>pomelo::console::DashboardView</name>
    <message>
        <source>Paid today</source>
        <translation>今日已支付</translation>
    </message>
    <message>
        <source>Stream lag</source>
        <translation>事件流积压</translation>
    </message>
    <message>
        <source>Delayed queue</source>
        <translation>延迟队列</translation>
    </message>
    <message>
        <source>Failed notifications</source>
        <translation>失败的通知</translation>
    </message>
    <message>
        <source>Orders today by status</source>
        <translation>今日订单（按状态）</translation>
    </message>
    <message>
        <source>Orders per minute (last hour)</source>
        <translation>每分钟订单数（最近一小时）</translation>
    </message>
    <message numerus="yes">
        <source>%n pending</source>
        <translation><numerusform>%n 条待发送</numerusform></translation>
    </message>
    <message>
        <source>admins only</source>
        <translation>仅管理员可见</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>%1 pending, %2 dead letters</source>
        <translation>%1 条待确认，%2 条死信</translation>
    </message>
    <message>
        <source>%1 processing</source>
        <translation>%1 条处理中</translation>
    </message>
    <message>
        <source>Updated %1</source>
        <translation>更新于 %1</translation>
    </message>
    <message numerus="yes">
        <source>%n orders today (first 5,000 counted)</source>
        <translation><numerusform>今日 %n 个订单（仅统计前 5000 个）</numerusform></translation>
    </message>
    <message>
        <source>Net today</source>
        <translation>今日净收入</translation>
    </message>
    <message numerus="yes">
        <source>paid %1 · refunded %2 · %n orders</source>
        <translation><numerusform>已支付 %1 · 已退款 %2 · %n 个订单</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n orders today</source>
        <translation><numerusform>今日 %n 个订单</numerusform></translation>
    </message>
</context>
<context>
    <name>pomelo::console::Format</name>
    <message>
        <source>Created</source>
        <translation>待支付</translation>
    </message>
    <message>
        <source>Paying</source>
        <translation>支付中</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>已支付</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Refunding</source>
        <translation>退款中</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>已退款</translation>
    </message>
    <message>
        <source>Free</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>Held</source>
        <translation>锁定中</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>已预订</translation>
    </message>
    <message>
        <source>Checked in</source>
        <translation>已签到</translation>
    </message>
    <message>
        <source>Closed</source>
        <comment>venue slot under a closure</comment>
        <translation>场地关闭</translation>
    </message>
    <message>
        <source>Awaiting payment</source>
        <translation>待支付</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待发送</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>已送达</translation>
    </message>
    <message>
        <source>WeChat Pay</source>
        <translation>微信支付</translation>
    </message>
    <message>
        <source>Campus card</source>
        <translation>校园一卡通</translation>
    </message>
    <message>
        <source>Close order</source>
        <translation>关闭订单</translation>
    </message>
    <message>
        <source>Verify with channel</source>
        <translation>向渠道核实</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>Re-notify merchant</source>
        <translation>重新通知商户</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>签到</translation>
    </message>
    <message>
        <source>Fire queue item</source>
        <translation>触发队列任务</translation>
    </message>
    <message>
        <source>Cancel queue item</source>
        <translation>取消队列任务</translation>
    </message>
    <message>
        <source>Re-send notification</source>
        <translation>重发通知</translation>
    </message>
    <message>
        <source>Re-send failed notifications</source>
        <translation>重发失败通知</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Failed log-in</source>
        <translation>登录失败</translation>
    </message>
    <message>
        <source>Refused log-in</source>
        <translation>拒绝登录</translation>
    </message>
    <message>
        <source>Re-deliver top-up</source>
        <translation>重新投递充值</translation>
    </message>
    <message>
        <source>Refund top-up</source>
        <translation>充值退款</translation>
    </message>
</context>
<context>
    <name>pomelo::console::LocksModel</name>
    <message>
        <source>Key</source>
        <translation>键</translation>
    </message>
    <message>
        <source>Owners</source>
        <translation>持有者</translation>
    </message>
    <message>
        <source>Expires in</source>
        <translation>剩余有效期</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
</context>
<context>
    <name>pomelo::console::LocksView</name>
    <message>
        <source>Filter locks</source>
        <translation>筛选锁</translation>
    </message>
    <message>
        <source>Locks held right now (venue slots while booking, orders while paying). They expire by themselves.</source>
        <translation>当前持有的锁（预约时的场地时段、支付中的订单）。锁会自动过期。</translation>
    </message>
    <message numerus="yes">
        <source>%n lock(s) held; updated %1</source>
        <translation><numerusform>持有 %n 把锁；更新于 %1</numerusform></translation>
    </message>
</context>
<context>
    <name>pomelo::console::LoginDialog</name>
    <message>
        <source>Pomelo Pay console — log in</source>
        <translation>柚子支付控制台 — 登录</translation>
    </message>
    <message>
        <source>&amp;Log in</source>
        <translation>登录(&amp;L)</translation>
    </message>
    <message>
        <source>&lt;h2&gt;Pomelo Pay&lt;/h2&gt;&lt;p&gt;Operator console&lt;/p&gt;</source>
        <translation>&lt;h2&gt;柚子支付&lt;/h2&gt;&lt;p&gt;运营控制台&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>服务器(&amp;S)：</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>用户名(&amp;U)：</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P)：</translation>
    </message>
    <message>
        <source>Logging in…</source>
        <translation>正在登录……</translation>
    </message>
    <message>
        <source>Enter the server's address, e.g. http://127.0.0.1:8080</source>
        <translation>请输入服务器地址，例如 http://127.0.0.1:8080</translation>
    </message>
    <message>
        <source>Enter your user name and password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <source>Cannot reach the server: %1</source>
        <translation>无法连接服务器：%1</translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <source>Too many failed attempts; try again later.</source>
        <translation>失败次数过多，请稍后再试。</translation>
    </message>
</context>
<context>
    <name>pomelo::console::MainWindow</name>
    <message>
        <source>Pomelo Pay console</source>
        <translation>柚子支付控制台</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>订单</translation>
    </message>
    <message>
        <source>Venue board</source>
        <translation>场地看板</translation>
    </message>
    <message>
        <source>Event stream</source>
        <translation>事件流</translation>
    </message>
    <message>
        <source>Delayed queues</source>
        <translation>延迟队列</translation>
    </message>
    <message>
        <source>Locks</source>
        <translation>锁</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>商户通知</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>%1 (Ctrl+%2)</source>
        <translation>%1（Ctrl+%2）</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>Log &amp;out</source>
        <translation>退出登录(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Find in table</source>
        <translation>在表格中查找(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <source>About Pomelo Pay console</source>
        <translation>关于柚子支付控制台</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Pomelo Pay console&lt;/h3&gt;&lt;p&gt;Operator console of the campus payment platform.&lt;/p&gt;&lt;p&gt;Server: %1&lt;/p&gt;</source>
        <translation>&lt;h3&gt;柚子支付控制台&lt;/h3&gt;&lt;p&gt;校园支付平台的运营控制台。&lt;/p&gt;&lt;p&gt;服务器：%1&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The language changes the next time the console starts.</source>
        <translation>语言将在下次启动控制台时生效。</translation>
    </message>
    <message>
        <source>Not logged in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <source>%1 (%2) at %3</source>
        <translation>%1（%2）@ %3</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>staff</source>
        <translation>场馆工作人员</translation>
    </message>
    <message>
        <source>Disconnected from the server — reconnecting… Data shown may be out of date.</source>
        <translation>与服务器的连接已断开 — 正在重连…… 显示的数据可能已过时。</translation>
    </message>
    <message>
        <source>Live updates paused — reconnecting…</source>
        <translation>实时推送已中断 — 正在重连……</translation>
    </message>
    <message>
        <source>● live</source>
        <translation>● 实时</translation>
    </message>
    <message>
        <source>○ polling</source>
        <translation>○ 轮询</translation>
    </message>
    <message>
        <source>Payment exceptions</source>
        <translation>支付异常</translation>
    </message>
    <message>
        <source>Venues</source>
        <translation>场地管理</translation>
    </message>
    <message>
        <source>Utility top-ups</source>
        <translation>水电充值</translation>
    </message>
</context>
<context>
    <name>pomelo::console::NotificationsModel</name>
    <message>
        <source>Id</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>订单</translation>
    </message>
    <message>
        <source>App</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Order status</source>
        <translation>订单状态</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>更新时间</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>地址</translation>
    </message>
</context>
<context>
    <name>pomelo::console::NotificationsView</name>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>&amp;Re-send selected</source>
        <translation>重发所选(&amp;R)</translation>
    </message>
    <message>
        <source>Re-send &amp;all failed of an app…</source>
        <translation>重发某应用的全部失败通知(&amp;A)…</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation>筛选</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>状态：</translation>
    </message>
    <message>
        <source>Failed: %1 · Pending: %2 · Delivered: %3</source>
        <translation>失败：%1 · 待发送：%2 · 已送达：%3</translation>
    </message>
    <message>
        <source>Updated %1</source>
        <translation>更新于 %1</translation>
    </message>
    <message>
        <source>Re-send</source>
        <translation>重发</translation>
    </message>
    <message numerus="yes">
        <source>Re-send %n notification(s) to their merchants?</source>
        <translation><numerusform>将 %n 条通知重新发送给商户？</numerusform></translation>
    </message>
    <message>
        <source>Re-sending…</source>
        <translation>正在重发……</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message numerus="yes">
        <source>%n re-sent</source>
        <translation><numerusform>已重发 %n 条</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>, %n failed</source>
        <translation><numerusform>，%n 条失败</numerusform></translation>
    </message>
    <message>
        <source>Re-sending %1 (%2 of %3)…</source>
        <translation>正在重发 %1（第 %2 条，共 %3 条）……</translation>
    </message>
    <message>
        <source>Re-send all failed</source>
        <translation>重发全部失败通知</translation>
    </message>
    <message>
        <source>Re-send every failed notification of app:</source>
        <translation>重发该应用的全部失败通知：</translation>
    </message>
    <message>
        <source>Every FAILED notification of %1 is queued for delivery again.</source>
        <translation>%1 的所有失败通知将重新排队发送。</translation>
    </message>
    <message>
        <source>Re-send all failed notifications of %1?</source>
        <translation>重发 %1 的全部失败通知？</translation>
    </message>
    <message>
        <source>%1 had no failed notifications.</source>
        <translation>%1 没有失败的通知。</translation>
    </message>
    <message numerus="yes">
        <source>Delivering %n notification(s) of %1…</source>
        <translation><numerusform>正在发送 %1 的 %n 条通知……</numerusform></translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Done: every notification was attempted.</source>
        <translation>完成：所有通知均已尝试发送。</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>操作失败</translation>
    </message>
</context>
<context>
    <name>pomelo::console::OrdersModel</name>
    <message>
        <source>Order</source>
        <translation>订单</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>App</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Merchant order no.</source>
        <translation>商户订单号</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>商品名称</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>更新时间</translation>
    </message>
</context>
<context>
    <name>pomelo::console::OrdersView</name>
    <message>
        <source>Load &amp;more</source>
        <translation>加载更多(&amp;M)</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>All apps</source>
        <translation>全部应用</translation>
    </message>
    <message>
        <source>All channels</source>
        <translation>全部渠道</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>最近 30 天</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>不限时间</translation>
    </message>
    <message>
        <source>Search order id, merchant order no., subject…</source>
        <translation>搜索订单号、商户订单号、商品名称……</translation>
    </message>
    <message>
        <source>Filter loaded rows (Ctrl+F)</source>
        <translation>筛选已加载的行（Ctrl+F）</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>查询(&amp;S)</translation>
    </message>
    <message>
        <source>C&amp;lose order…</source>
        <translation>关闭订单(&amp;L)…</translation>
    </message>
    <message>
        <source>&amp;Refund…</source>
        <translation>退款(&amp;R)…</translation>
    </message>
    <message>
        <source>&amp;Verify with channel…</source>
        <translation>向渠道核实(&amp;V)…</translation>
    </message>
    <message>
        <source>Re-&amp;notify merchant…</source>
        <translation>重新通知商户(&amp;N)…</translation>
    </message>
    <message>
        <source>Select an order to see its timeline.</source>
        <translation>选择一个订单查看其时间线。</translation>
    </message>
    <message numerus="yes">
        <source>%n orders loaded</source>
        <translation><numerusform>已加载 %n 个订单</numerusform></translation>
    </message>
    <message>
        <source> (more on the server)</source>
        <translation>（服务器上还有更多）</translation>
    </message>
    <message>
        <source>Could not load orders: %1</source>
        <translation>无法加载订单：%1</translation>
    </message>
    <message>
        <source>Could not load the order: %1</source>
        <translation>无法加载订单：%1</translation>
    </message>
    <message>
        <source>Order %1</source>
        <translation>订单 %1</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>商品名称</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source> (refunded %1)</source>
        <translation>（已退款 %1）</translation>
    </message>
    <message>
        <source>App</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Merchant order no.</source>
        <translation>商户订单号</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Channel trade no.</source>
        <translation>渠道交易号</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>支付时间</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>过期时间</translation>
    </message>
    <message>
        <source>Trace id</source>
        <translation>追踪 ID</translation>
    </message>
    <message>
        <source>Booking</source>
        <translation>预约</translation>
    </message>
    <message>
        <source>Span id</source>
        <translation>Span ID</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <source>Refunds</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>%1 %2 by %3 — %4 (%5)</source>
        <translation>%1 %2，发起方 %3 — %4（%5）</translation>
    </message>
    <message>
        <source>Merchant notifications</source>
        <translation>商户通知</translation>
    </message>
    <message numerus="yes">
        <source>#%1 %2: %3, %n attempt(s)</source>
        <translation><numerusform>#%1 %2：%3，已尝试 %n 次</numerusform></translation>
    </message>
    <message>
        <source>Channel callbacks</source>
        <translation>渠道回调</translation>
    </message>
    <message>
        <source>Code %1</source>
        <translation>错误码 %1</translation>
    </message>
    <message>
        <source>Trace id: %1</source>
        <translation>追踪 ID：%1</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>操作失败</translation>
    </message>
    <message>
        <source>Close order</source>
        <translation>关闭订单</translation>
    </message>
    <message>
        <source>Close order %1 (%2, %3)? The user can no longer pay it.</source>
        <translation>关闭订单 %1（%2，%3）？关闭后用户将无法再支付。</translation>
    </message>
    <message>
        <source>Really close order %1 of %2?</source>
        <translation>确定关闭订单 %1（%2）？</translation>
    </message>
    <message>
        <source>Order %1 closed.</source>
        <translation>订单 %1 已关闭。</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>Refund order %1 (%2 paid, %3 refunded so far).</source>
        <translation>为订单 %1 退款（已支付 %2，已退款 %3）。</translation>
    </message>
    <message>
        <source>Really refund order %1 of %2?</source>
        <translation>确定为订单 %1（%2）退款？</translation>
    </message>
    <message>
        <source>Refund of %1 for order %2 requested.</source>
        <translation>已为订单 %2 发起 %1 的退款。</translation>
    </message>
    <message>
        <source>Verify with channel</source>
        <translation>向渠道核实</translation>
    </message>
    <message>
        <source>Ask the payment channel about order %1 (%2) and apply its answer: a paid order becomes PAID.</source>
        <translation>向支付渠道查询订单 %1（%2）并按查询结果处理：已支付的订单将变为“已支付”。</translation>
    </message>
    <message>
        <source>Verify order %1 of %2 with the channel?</source>
        <translation>向渠道核实订单 %1（%2）？</translation>
    </message>
    <message>
        <source>Order %1 verified: %2.</source>
        <translation>订单 %1 已核实：%2。</translation>
    </message>
    <message>
        <source>Re-notify merchant</source>
        <translation>重新通知商户</translation>
    </message>
    <message>
        <source>Send the result of order %1 (%2) to merchant %3 again.</source>
        <translation>将订单 %1（%2）的结果再次发送给商户 %3。</translation>
    </message>
    <message>
        <source>Re-notify the merchant of order %1 of %2?</source>
        <translation>重新通知订单 %1（%2）的商户？</translation>
    </message>
    <message numerus="yes">
        <source>%n notification(s) of order %1 queued again.</source>
        <translation><numerusform>订单 %1 的 %n 条通知已重新排队。</numerusform></translation>
    </message>
</context>
<context>
    <name>pomelo::console::PaymentExceptionModel</name>
    <message>
        <source>Refunding</source>
        <translation>退款中</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>已退款</translation>
    </message>
    <message>
        <source>Refund failed</source>
        <translation>退款失败</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>已处理</translation>
    </message>
    <message>
        <source>Amount differs from the order</source>
        <translation>金额与订单不符</translation>
    </message>
    <message>
        <source>Wrong currency</source>
        <translation>币种不符</translation>
    </message>
    <message>
        <source>Wrong channel or channel order</source>
        <translation>渠道或渠道订单不符</translation>
    </message>
    <message>
        <source>Another merchant</source>
        <translation>非本商户</translation>
    </message>
    <message>
        <source>Unknown order</source>
        <translation>未知订单</translation>
    </message>
    <message>
        <source>Paid after the order closed</source>
        <translation>订单关闭后支付</translation>
    </message>
    <message>
        <source>Paid twice</source>
        <translation>重复支付</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Recorded</source>
        <translation>记录时间</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>支付金额</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>订单</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Refund attempts</source>
        <translation>退款尝试次数</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>更新时间</translation>
    </message>
</context>
<context>
    <name>pomelo::console::PaymentExceptionsView</name>
    <message>
        <source>Load &amp;more</source>
        <translation>加载更多(&amp;M)</translation>
    </message>
    <message>
        <source>Mark &amp;resolved…</source>
        <translation>标记为已处理(&amp;R)…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>未处理</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Filter loaded rows</source>
        <translation>筛选已加载的行</translation>
    </message>
    <message>
        <source>Select a payment exception to see what happened.</source>
        <translation>选择一条支付异常以查看详情。</translation>
    </message>
    <message>
        <source>Payments a channel took that no order keeps. Each is refunded through its channel by itself; close the case once the refund settled, or once you settled a refused one by hand.</source>
        <translation>支付渠道已收款、但没有订单可以保留的款项。系统会自动通过原渠道退款；退款完成后，或渠道拒绝退款且已人工处理后，请标记为已处理。</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>状态：</translation>
    </message>
    <message numerus="yes">
        <source>%n open, %1 loaded; updated %2</source>
        <translation><numerusform>%n 条未处理，已加载 %1 条；更新于 %2</numerusform></translation>
    </message>
    <message>
        <source>Payment exception %1</source>
        <translation>支付异常 %1</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>What differed</source>
        <translation>不符之处</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>支付金额</translation>
    </message>
    <message>
        <source>Order amount</source>
        <translation>订单金额</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>订单</translation>
    </message>
    <message>
        <source>none of ours</source>
        <translation>非本平台订单</translation>
    </message>
    <message>
        <source>Merchant order no.</source>
        <translation>商户订单号</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Channel trade no.</source>
        <translation>渠道交易号</translation>
    </message>
    <message>
        <source>Recorded</source>
        <translation>记录时间</translation>
    </message>
    <message>
        <source>Refund attempts</source>
        <translation>退款尝试次数</translation>
    </message>
    <message>
        <source>Next attempt</source>
        <translation>下次尝试</translation>
    </message>
    <message>
        <source>Channel refund no.</source>
        <translation>渠道退款单号</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>退款时间</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>处理时间</translation>
    </message>
    <message>
        <source>Resolved by</source>
        <translation>处理人</translation>
    </message>
    <message>
        <source>Resolution</source>
        <translation>处理说明</translation>
    </message>
    <message>
        <source>The channel refused the refund: the payer has not got the money back. Settle it by hand, then mark the case resolved.</source>
        <translation>渠道拒绝了退款：付款人尚未收回款项。请人工处理后再标记为已处理。</translation>
    </message>
    <message>
        <source>The channel refunded %1 to the payer.</source>
        <translation>渠道已将 %1 退还给付款人。</translation>
    </message>
    <message>
        <source>The channel refused to refund %1: only close the case once the payer got the money back some other way.</source>
        <translation>渠道拒绝退还 %1：请确认付款人已通过其他方式收回款项后再结案。</translation>
    </message>
    <message>
        <source>Mark resolved</source>
        <translation>标记为已处理</translation>
    </message>
    <message>
        <source>Close payment exception %1 (%2, %3 through %4).</source>
        <translation>结案支付异常 %1（%2，通过%4支付 %3）。</translation>
    </message>
    <message>
        <source>Really mark payment exception %1 of %2 resolved?</source>
        <translation>确定将金额为 %2 的支付异常 %1 标记为已处理吗？</translation>
    </message>
    <message>
        <source>Payment exception %1 resolved.</source>
        <translation>支付异常 %1 已处理。</translation>
    </message>
    <message>
        <source>Code %1</source>
        <translation>错误码 %1</translation>
    </message>
    <message>
        <source>Trace id: %1</source>
        <translation>追踪 ID：%1</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>操作失败</translation>
    </message>
</context>
<context>
    <name>pomelo::console::PollingView</name>
    <message>
        <source>Could not refresh: %1</source>
        <translation>刷新失败：%1</translation>
    </message>
</context>
<context>
    <name>pomelo::console::QueueItemsModel</name>
    <message>
        <source>Queue</source>
        <translation>队列</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Processing</source>
        <translation>处理中</translation>
    </message>
    <message>
        <source>Scheduled</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>到期时间</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Payload</source>
        <translation>内容</translation>
    </message>
</context>
<context>
    <name>pomelo::console::QueuesView</name>
    <message>
        <source>&amp;Fire now…</source>
        <translation>立即触发(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Cancel item…</source>
        <translation>取消任务(&amp;C)…</translation>
    </message>
    <message>
        <source>Filter items</source>
        <translation>筛选任务</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;: %2 scheduled, %3 processing</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;：%2 条排队中，%3 条处理中</translation>
    </message>
    <message>
        <source>Updated %1</source>
        <translation>更新于 %1</translation>
    </message>
    <message>
        <source>Fire %1 of queue %2 now?</source>
        <translation>立即触发队列 %2 中的 %1？</translation>
    </message>
    <message>
        <source>Remove %1 from queue %2? It will never fire.</source>
        <translation>从队列 %2 中移除 %1？移除后它将不会再触发。</translation>
    </message>
    <message>
        <source>Fire now</source>
        <translation>立即触发</translation>
    </message>
    <message>
        <source>Cancel queue item</source>
        <translation>取消队列任务</translation>
    </message>
    <message>
        <source>Payload: %1</source>
        <translation>内容：%1</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>操作失败</translation>
    </message>
</context>
<context>
    <name>pomelo::console::ReasonDialog</name>
    <message>
        <source>Amount in yuan, e.g. 12.50</source>
        <translation>金额（元），例如 12.50</translation>
    </message>
    <message>
        <source>Refund amount (¥, at most %1):</source>
        <translation>退款金额（元，最多 %1）：</translation>
    </message>
    <message>
        <source>Required: kept in the audit log</source>
        <translation>必填：将记录在审计日志中</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
    <message>
        <source>Enter an amount in yuan with at most two decimals.</source>
        <translation>请输入以元为单位、最多两位小数的金额。</translation>
    </message>
    <message>
        <source>At most %1 can be refunded.</source>
        <translation>最多可退 %1。</translation>
    </message>
    <message>
        <source>A reason is required.</source>
        <translation>必须填写原因。</translation>
    </message>
    <message>
        <source>The reason is too long (at most 500 characters).</source>
        <translation>原因过长（最多 500 个字符）。</translation>
    </message>
    <message>
        <source>Refund amount: %1</source>
        <translation>退款金额：%1</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>原因：%1</translation>
    </message>
</context>
<context>
    <name>pomelo::console::StreamEntriesModel</name>
    <message>
        <source>Entry</source>
        <translation>条目</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>订单</translation>
    </message>
    <message>
        <source>App</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>From</source>
        <translation>原状态</translation>
    </message>
    <message>
        <source>To</source>
        <translation>目标状态</translation>
    </message>
    <message>
        <source>Fields</source>
        <translation>字段</translation>
    </message>
</context>
<context>
    <name>pomelo::console::StreamGroupsModel</name>
    <message>
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <source>Consumers</source>
        <translation>消费者</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待确认</translation>
    </message>
    <message>
        <source>Lag</source>
        <translation>积压</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Last delivered</source>
        <translation>最后投递</translation>
    </message>
</context>
<context>
    <name>pomelo::console::StreamsView</name>
    <message>
        <source>Filter entries</source>
        <translation>筛选条目</translation>
    </message>
    <message>
        <source>Consumer groups</source>
        <translation>消费者组</translation>
    </message>
    <message>
        <source>Latest events</source>
        <translation>最新事件</translation>
    </message>
    <message>
        <source>Dead letters</source>
        <translation>死信</translation>
    </message>
    <message>
        <source>Stream &lt;b&gt;%1&lt;/b&gt;: %2 entries, last id %3; dead letters: %4</source>
        <translation>事件流 &lt;b&gt;%1&lt;/b&gt;：%2 条，最新 ID %3；死信：%4 条</translation>
    </message>
    <message>
        <source>Updated %1</source>
        <translation>更新于 %1</translation>
    </message>
</context>
<context>
    <name>pomelo::console::TopupsModel</name>
    <message>
        <source>Awaiting payment</source>
        <translation>待支付</translation>
    </message>
    <message>
        <source>Paid, delivering</source>
        <translation>已支付，投递中</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>已到账</translation>
    </message>
    <message>
        <source>Delivery failed</source>
        <translation>投递失败</translation>
    </message>
    <message>
        <source>Refunding</source>
        <translation>退款中</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>已退款</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Electricity</source>
        <translation>电费</translation>
    </message>
    <message>
        <source>Water</source>
        <translation>水费</translation>
    </message>
    <message>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>Payment notification</source>
        <translation>支付通知</translation>
    </message>
    <message>
        <source>Staff %1</source>
        <translation>工作人员 %1</translation>
    </message>
    <message>
        <source>Status change</source>
        <translation>状态变更</translation>
    </message>
    <message>
        <source>Delivery attempt</source>
        <translation>投递尝试</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>房间</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Delivery attempts</source>
        <translation>投递次数</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <source>Student</source>
        <translation>学生</translation>
    </message>
</context>
<context>
    <name>pomelo::console::TopupsView</name>
    <message>
        <source>Load &amp;more</source>
        <translation>加载更多(&amp;M)</translation>
    </message>
    <message>
        <source>Re-&amp;deliver…</source>
        <translation>重新投递(&amp;D)…</translation>
    </message>
    <message>
        <source>Re&amp;fund…</source>
        <translation>退款(&amp;F)…</translation>
    </message>
    <message>
        <source>Look &amp;up room</source>
        <translation>查询房间(&amp;U)</translation>
    </message>
    <message>
        <source>Filter loaded rows</source>
        <translation>筛选已加载的行</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>Top-up %1 is not among the loaded rows: choose &quot;All statuses&quot; or load more.</source>
        <translation>充值 %1 不在已加载的行中：请选择“全部状态”或加载更多。</translation>
    </message>
    <message>
        <source>Select a top-up to see its delivery and history.</source>
        <translation>选择一笔充值以查看投递情况和历史记录。</translation>
    </message>
    <message>
        <source>Enter a room id such as ZY1-101 above to see its balances, its students and its top-ups.</source>
        <translation>在上方输入房间号（如 ZY1-101），查看其余额、绑定的学生和充值记录。</translation>
    </message>
    <message>
        <source>Top-up</source>
        <translation>充值</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>房间</translation>
    </message>
    <message>
        <source>Electricity and water top-ups of the dorms. A paid top-up is delivered to the utility system by itself and retried while it is busy; re-deliver one that failed or waits, or (admins) refund it.</source>
        <translation>宿舍水电充值。已支付的充值会自动投递到水电系统，系统繁忙时自动重试；对投递失败或等待中的充值可重新投递，或（管理员）退款。</translation>
    </message>
    <message>
        <source>Room id, e.g. ZY1-101</source>
        <translation>房间号，如 ZY1-101</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>状态：</translation>
    </message>
    <message>
        <source>Room:</source>
        <translation>房间：</translation>
    </message>
    <message numerus="yes">
        <source>%n loaded, %1 failed; updated %2</source>
        <translation><numerusform>已加载 %n 笔，%1 笔投递失败；更新于 %2</numerusform></translation>
    </message>
    <message>
        <source>Could not load the top-up: %1</source>
        <translation>无法加载充值：%1</translation>
    </message>
    <message>
        <source>Top-up %1</source>
        <translation>充值 %1</translation>
    </message>
    <message>
        <source>Student</source>
        <translation>学生</translation>
    </message>
    <message>
        <source>unknown (user %1)</source>
        <translation>未知（用户 %1）</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Pay order</source>
        <translation>支付订单</translation>
    </message>
    <message>
        <source>not signed yet</source>
        <translation>尚未下单</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>支付渠道</translation>
    </message>
    <message>
        <source>Balance after</source>
        <translation>充值后余额</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>过期时间</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>支付时间</translation>
    </message>
    <message>
        <source>Delivery started</source>
        <translation>开始投递</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>到账时间</translation>
    </message>
    <message>
        <source>Delivery attempts</source>
        <translation>投递次数</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <source>Next attempt</source>
        <translation>下次尝试</translation>
    </message>
    <message>
        <source>Failure reason</source>
        <translation>失败原因</translation>
    </message>
    <message>
        <source>The student paid and the room was not credited. Re-deliver it, or refund it (admins).</source>
        <translation>学生已付款，但房间未到账。请重新投递，或（管理员）退款。</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>Looking up room %1…</source>
        <translation>正在查询房间 %1…</translation>
    </message>
    <message>
        <source>No room %1: neither the utility system nor any student knows it.</source>
        <translation>没有房间 %1：水电系统和学生都不知道这个房间。</translation>
    </message>
    <message>
        <source>Could not look up room %1: %2</source>
        <translation>无法查询房间 %1：%2</translation>
    </message>
    <message>
        <source>Room %1</source>
        <translation>房间 %1</translation>
    </message>
    <message>
        <source>Room %1 (%2)</source>
        <translation>房间 %1（%2）</translation>
    </message>
    <message>
        <source>Electricity balance</source>
        <translation>电费余额</translation>
    </message>
    <message>
        <source>Water balance</source>
        <translation>水费余额</translation>
    </message>
    <message>
        <source>Power</source>
        <translation>供电</translation>
    </message>
    <message>
        <source>On</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Cut off</source>
        <translation>已断电</translation>
    </message>
    <message>
        <source>Balances</source>
        <translation>余额</translation>
    </message>
    <message>
        <source>the utility system did not answer: %1</source>
        <translation>水电系统未响应：%1</translation>
    </message>
    <message>
        <source>Bound students</source>
        <translation>绑定的学生</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>bound %1</source>
        <translation>绑定于 %1</translation>
    </message>
    <message>
        <source>Latest top-ups</source>
        <translation>最近的充值</translation>
    </message>
    <message>
        <source>Its delivery failed: a new run of attempts starts now.</source>
        <translation>该充值投递失败：现在开始新一轮投递。</translation>
    </message>
    <message>
        <source>It is waiting for its next attempt: that attempt is made now.</source>
        <translation>该充值正在等待下次尝试：现在立即尝试。</translation>
    </message>
    <message>
        <source>Re-deliver top-up</source>
        <translation>重新投递充值</translation>
    </message>
    <message>
        <source>Deliver top-up %1 (%2) to the utility system again.</source>
        <translation>将充值 %1（%2）重新投递到水电系统。</translation>
    </message>
    <message>
        <source>Really re-deliver top-up %1 (%2)?</source>
        <translation>确定重新投递充值 %1（%2）？</translation>
    </message>
    <message>
        <source>Top-up %1 is being delivered again.</source>
        <translation>充值 %1 正在重新投递。</translation>
    </message>
    <message>
        <source>Refund top-up</source>
        <translation>充值退款</translation>
    </message>
    <message>
        <source>Stop delivering top-up %1 (%2) and refund %3 to the student through %4.</source>
        <translation>停止投递充值 %1（%2），并通过%4向学生退款 %3。</translation>
    </message>
    <message>
        <source>The utility system is asked first: a top-up it credited after all is delivered, not refunded.</source>
        <translation>会先向水电系统核实：若其实已到账，则记为已到账，不退款。</translation>
    </message>
    <message>
        <source>Really refund %1 of top-up %2?</source>
        <translation>确定为充值 %2 退款 %1？</translation>
    </message>
    <message>
        <source>The refund of top-up %1 was asked for: %2.</source>
        <translation>已申请充值 %1 的退款：%2。</translation>
    </message>
    <message>
        <source>Code %1</source>
        <translation>错误码 %1</translation>
    </message>
    <message>
        <source>Trace id: %1</source>
        <translation>追踪 ID：%1</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>操作失败</translation>
    </message>
</context>
<context>
    <name>pomelo::console::TraceLabel</name>
    <message>
        <source>Copy trace id</source>
        <translation>复制追踪 ID</translation>
    </message>
    <message>
        <source>Copy the trace id to the clipboard</source>
        <translation>将追踪 ID 复制到剪贴板</translation>
    </message>
    <message>
        <source>Trace id</source>
        <translation>追踪 ID</translation>
    </message>
    <message>
        <source>Open the trace in the trace viewer</source>
        <translation>在追踪查看器中打开此追踪</translation>
    </message>
</context>
<context>
    <name>pomelo::console::TableView</name>
    <message>
        <source>&amp;Copy</source>
        <translation>复制(&amp;C)</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenueBoardModel</name>
    <message>
        <source>Booking %1</source>
        <translation>预约 %1</translation>
    </message>
    <message>
        <source>User: %1 %2</source>
        <translation>用户：%1 %2</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenueBoardView</name>
    <message>
        <source>Check &amp;in</source>
        <translation>签到(&amp;I)</translation>
    </message>
    <message>
        <source>◀ Previous day</source>
        <translation>◀ 前一天</translation>
    </message>
    <message>
        <source>&amp;Today</source>
        <translation>今天(&amp;T)</translation>
    </message>
    <message>
        <source>Next day ▶</source>
        <translation>后一天 ▶</translation>
    </message>
    <message>
        <source>Click a booking to see it.</source>
        <translation>点击一个预约查看详情。</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n slot(s) taken</source>
        <translation><numerusform>%1：已占用 %n 个时段</numerusform></translation>
    </message>
    <message>
        <source>Could not load the board: %1</source>
        <translation>无法加载场地看板：%1</translation>
    </message>
    <message>
        <source>Booking</source>
        <translation>预约</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Student id</source>
        <translation>学号</translation>
    </message>
    <message>
        <source>WeChat user</source>
        <translation>微信用户</translation>
    </message>
    <message>
        <source>Only bookings of today can be checked in.</source>
        <translation>只能为今天的预约签到。</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>签到</translation>
    </message>
    <message>
        <source>Check in %1 for %2, %3–%4?</source>
        <translation>为 %1 签到：%2，%3–%4？</translation>
    </message>
    <message>
        <source>Booking %1 checked in.</source>
        <translation>预约 %1 已签到。</translation>
    </message>
    <message>
        <source>Check-in failed</source>
        <translation>签到失败</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenueClosureDialog</name>
    <message>
        <source>Choose the first and the last day.</source>
        <translation>请选择开始日期和结束日期。</translation>
    </message>
    <message>
        <source>The last day is before the first day.</source>
        <translation>结束日期早于开始日期。</translation>
    </message>
    <message>
        <source>The closure would be over already.</source>
        <translation>该停用时段已经结束。</translation>
    </message>
    <message>
        <source>Check at least one weekday.</source>
        <translation>请至少勾选一个星期几。</translation>
    </message>
    <message>
        <source>From: enter HH:MM, e.g. 14:00.</source>
        <translation>开始时间：请输入 HH:MM，例如 14:00。</translation>
    </message>
    <message>
        <source>Until: enter HH:MM, e.g. 16:00 (or 24:00).</source>
        <translation>结束时间：请输入 HH:MM，例如 16:00（或 24:00）。</translation>
    </message>
    <message>
        <source>The daily time range must end after it starts.</source>
        <translation>每日时段的结束时间必须晚于开始时间。</translation>
    </message>
    <message>
        <source>A reason is required: the students read it.</source>
        <translation>必须填写原因：学生会看到它。</translation>
    </message>
    <message>
        <source>The reason is too long (at most %1 characters).</source>
        <translation>原因太长（最多 %1 个字符）。</translation>
    </message>
    <message>
        <source>&amp;Whole days</source>
        <translation>整天(&amp;W)</translation>
    </message>
    <message>
        <source>&amp;Times on given days</source>
        <translation>指定日期的时段(&amp;T)</translation>
    </message>
    <message>
        <source>Close %1</source>
        <translation>停用 %1</translation>
    </message>
    <message>
        <source>On:</source>
        <translation>星期：</translation>
    </message>
    <message>
        <source>From – until:</source>
        <translation>时段：</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Required: shown to the students whose bookings it covers</source>
        <translation>必填：受影响预约的学生会看到</translation>
    </message>
    <message>
        <source>A closure refuses new bookings at once. The bookings it covers are cancelled (and refunded) only when an admin confirms it.</source>
        <translation>停用时段立即拒绝新的预约。已有的预约只有在管理员确认后才会取消（并退款）。</translation>
    </message>
    <message>
        <source>Days:</source>
        <translation>日期：</translation>
    </message>
    <message>
        <source>Closed:</source>
        <translation>停用：</translation>
    </message>
    <message>
        <source>&amp;Reason:</source>
        <translation>原因(&amp;R)：</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存……</translation>
    </message>
    <message>
        <source>A closure lasts at most %1 days.</source>
        <translation>停用时段最长 %1 天。</translation>
    </message>
    <message>
        <source>Daily times must be on 5-minute steps.</source>
        <translation>每日时段必须是 5 分钟的整数倍。</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenueDialog</name>
    <message>
        <source>Enter the venue&apos;s name.</source>
        <translation>请输入场地名称。</translation>
    </message>
    <message>
        <source>The name is too long (at most %1 characters).</source>
        <translation>名称太长（最多 %1 个字符）。</translation>
    </message>
    <message>
        <source>Choose a sport.</source>
        <translation>请选择运动项目。</translation>
    </message>
    <message>
        <source>Opening time: enter HH:MM, e.g. 08:00.</source>
        <translation>开放时间：请输入 HH:MM，例如 08:00。</translation>
    </message>
    <message>
        <source>Closing time: enter HH:MM, e.g. 22:00 (or 24:00).</source>
        <translation>关闭时间：请输入 HH:MM，例如 22:00（或 24:00）。</translation>
    </message>
    <message>
        <source>Opening and closing times must be on 5-minute steps.</source>
        <translation>开放和关闭时间必须是 5 分钟的整数倍。</translation>
    </message>
    <message>
        <source>The venue must open before it closes.</source>
        <translation>开放时间必须早于关闭时间。</translation>
    </message>
    <message>
        <source>A slot lasts 5 to 240 minutes, in steps of 5.</source>
        <translation>时段长度为 5 到 240 分钟，且为 5 的倍数。</translation>
    </message>
    <message>
        <source>%1 minutes of opening hours are not a whole number of %2-minute slots.</source>
        <translation>%1 分钟的开放时长不能整除 %2 分钟的时段。</translation>
    </message>
    <message>
        <source>Price: enter yuan with at most two decimals, e.g. 20 or 12.50 (at most %1).</source>
        <translation>价格：请输入元，最多两位小数，例如 20 或 12.50（最高 %1）。</translation>
    </message>
    <message>
        <source>A reason is required.</source>
        <translation>必须填写原因。</translation>
    </message>
    <message>
        <source>The reason is too long (at most 500 characters).</source>
        <translation>原因太长（最多 500 个字符）。</translation>
    </message>
    <message>
        <source>Edit venue %1</source>
        <translation>编辑场地 %1</translation>
    </message>
    <message>
        <source>Add venue</source>
        <translation>新增场地</translation>
    </message>
    <message>
        <source>e.g. Badminton court 5</source>
        <translation>例如：羽毛球场 5 号</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>Yuan, e.g. 20 or 12.50</source>
        <translation>单位元，例如 20 或 12.50</translation>
    </message>
    <message>
        <source>Required: kept in the audit log</source>
        <translation>必填：记入审计日志</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>选填</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>&amp;Sport:</source>
        <translation>运动项目(&amp;S)：</translation>
    </message>
    <message>
        <source>Opening &amp;hours:</source>
        <translation>开放时间(&amp;H)：</translation>
    </message>
    <message>
        <source>S&amp;lot length:</source>
        <translation>时段长度(&amp;L)：</translation>
    </message>
    <message>
        <source>&amp;Price per slot (¥):</source>
        <translation>每时段价格（元）(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Reason:</source>
        <translation>原因(&amp;R)：</translation>
    </message>
    <message>
        <source>Bookings already made keep their times and price: new hours, slot length and price apply to new bookings.</source>
        <translation>已有预约保持原来的时间和价格：新的开放时间、时段长度和价格只适用于新的预约。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存……</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenuesModel</name>
    <message>
        <source>Badminton</source>
        <translation>羽毛球</translation>
    </message>
    <message>
        <source>Basketball</source>
        <translation>篮球</translation>
    </message>
    <message>
        <source>Table tennis</source>
        <translation>乒乓球</translation>
    </message>
    <message>
        <source>Swimming</source>
        <translation>游泳</translation>
    </message>
    <message>
        <source>Tennis</source>
        <translation>网球</translation>
    </message>
    <message>
        <source>Volleyball</source>
        <translation>排球</translation>
    </message>
    <message>
        <source>Football</source>
        <translation>足球</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Sport</source>
        <translation>运动项目</translation>
    </message>
    <message>
        <source>Opening hours</source>
        <translation>开放时间</translation>
    </message>
    <message>
        <source>Slot</source>
        <translation>时段长度</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>Price per slot</source>
        <translation>每时段价格</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>使用中</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>已停用</translation>
    </message>
</context>
<context>
    <name>pomelo::console::VenuesView</name>
    <message>
        <source>Code %1</source>
        <translation>错误码 %1</translation>
    </message>
    <message>
        <source>Trace id: %1</source>
        <translation>追踪 ID：%1</translation>
    </message>
    <message>
        <source>Show venues &amp;out of service</source>
        <translation>显示已停用场地(&amp;O)</translation>
    </message>
    <message>
        <source>Show &amp;ended</source>
        <translation>显示已结束(&amp;E)</translation>
    </message>
    <message>
        <source>Filter venues (name, sport, hours, price)</source>
        <translation>筛选场地（名称、项目、时间、价格）</translation>
    </message>
    <message>
        <source>&amp;Add venue…</source>
        <translation>新增场地(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>编辑(&amp;E)…</translation>
    </message>
    <message>
        <source>Take out of ser&amp;vice…</source>
        <translation>停用场地(&amp;V)…</translation>
    </message>
    <message>
        <source>Add &amp;closure…</source>
        <translation>新增停用时段(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Delete closure…</source>
        <translation>删除停用时段(&amp;D)…</translation>
    </message>
    <message>
        <source>Con&amp;firm: cancel and refund…</source>
        <translation>确认：取消并退款(&amp;F)…</translation>
    </message>
    <message>
        <source>Closures</source>
        <translation>停用时段</translation>
    </message>
    <message numerus="yes">
        <source>%n venue(s), %1 in service; updated %2</source>
        <translation><numerusform>共 %n 个场地，%1 个使用中；更新于 %2</numerusform></translation>
    </message>
    <message>
        <source>Closures of %1</source>
        <translation>%1 的停用时段</translation>
    </message>
    <message>
        <source>Put back in ser&amp;vice…</source>
        <translation>恢复使用(&amp;V)…</translation>
    </message>
    <message>
        <source>Venue %1 added.</source>
        <translation>已新增场地 %1。</translation>
    </message>
    <message>
        <source>Venue %1 saved.</source>
        <translation>已保存场地 %1。</translation>
    </message>
    <message>
        <source>Put back in service</source>
        <translation>恢复使用</translation>
    </message>
    <message>
        <source>Students can book %1 again.</source>
        <translation>学生将可以再次预约 %1。</translation>
    </message>
    <message>
        <source>Really put %1 back in service?</source>
        <translation>确定恢复使用 %1？</translation>
    </message>
    <message>
        <source>Take out of service</source>
        <translation>停用场地</translation>
    </message>
    <message>
        <source>%1 disappears from the mini-program and refuses new bookings. Bookings already made stay: close the venue for their times to cancel and refund them.</source>
        <translation>%1 将从小程序中隐藏并拒绝新的预约。已有预约保持不变：如需取消并退款，请为其时间添加停用时段。</translation>
    </message>
    <message>
        <source>Really take %1 out of service?</source>
        <translation>确定停用 %1？</translation>
    </message>
    <message>
        <source>%1 is in service again.</source>
        <translation>%1 已恢复使用。</translation>
    </message>
    <message>
        <source>%1 is out of service.</source>
        <translation>%1 已停用。</translation>
    </message>
    <message numerus="yes">
        <source>Closure of %1 added: it covers %n booking(s), untouched until an admin confirms it.</source>
        <translation><numerusform>已为 %1 新增停用时段：涉及 %n 个预约，管理员确认前保持不变。</numerusform></translation>
    </message>
    <message>
        <source>Delete closure</source>
        <translation>删除停用时段</translation>
    </message>
    <message>
        <source>Delete the closure of %1 (%2, %3 %4: %5). Its times can be booked again; bookings already cancelled or refunded stay so.</source>
        <translation>删除 %1 的停用时段（%2，%3 %4：%5）。这些时间将可以再次预约；已取消或已退款的预约不会恢复。</translation>
    </message>
    <message>
        <source>Really delete the closure of %1 (%2)?</source>
        <translation>确定删除 %1 的停用时段（%2）？</translation>
    </message>
    <message>
        <source>Closure %1 deleted.</source>
        <translation>已删除停用时段 %1。</translation>
    </message>
    <message>
        <source>Loading the bookings the closure covers…</source>
        <translation>正在加载该停用时段涉及的预约……</translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation><numerusform>……另有 %n 个</numerusform></translation>
    </message>
    <message>
        <source>Closure of %1: %2, %3 %4 — %5</source>
        <translation>%1 的停用时段：%2，%3 %4 —— %5</translation>
    </message>
    <message>
        <source>It covers no booking now: confirming only records the decision.</source>
        <translation>目前没有涉及的预约：确认仅记录此决定。</translation>
    </message>
    <message numerus="yes">
        <source>Confirming cancels the %n booking(s) it covers; each student gets a message.</source>
        <translation><numerusform>确认后将取消涉及的 %n 个预约，并给每位学生发送消息。</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n paid booking(s) will be refunded, %1 in all.</source>
        <translation><numerusform>将为 %n 个已支付的预约退款，共 %1。</numerusform></translation>
    </message>
    <message>
        <source>Really confirm the closure of %1 (%2)?</source>
        <translation>确定确认 %1 的停用时段（%2）？</translation>
    </message>
    <message numerus="yes">
        <source>Really cancel %n booking(s) of %1 and refund %2?</source>
        <translation><numerusform>确定取消 %1 的 %n 个预约并退款 %2？</numerusform></translation>
    </message>
    <message>
        <source>Confirm closure</source>
        <translation>确认停用时段</translation>
    </message>
    <message>
        <source>Closure confirmed: %1 cancelled, %2 refunded, %3 being refunded, %4 awaiting payment, %5 unchanged, %6 failed.</source>
        <translation>停用时段已确认：已取消 %1 个，已退款 %2 个，退款中 %3 个，待支付 %4 个，未变 %5 个，失败 %6 个。</translation>
    </message>
    <message numerus="yes">
        <source>%n booking(s) could not be cancelled or refunded. Confirm again to retry them.</source>
        <translation><numerusform>%n 个预约未能取消或退款。请再次确认以重试。</numerusform></translation>
    </message>
    <message>
        <source>Action failed: %1</source>
        <translation>操作失败：%1</translation>
    </message>
    <message>
        <source>Action failed</source>
        <translation>操作失败</translation>
    </message>
</context>
</TS>
