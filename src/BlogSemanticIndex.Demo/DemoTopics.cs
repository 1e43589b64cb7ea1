namespace BlogSemanticIndex.Demo;

/// <summary>A subject the demo blog writes about: its category, tags, title stems and paragraphs.</summary>
internal sealed record DemoTopic(string Category, string[] Tags, string[] Titles, string[] Paragraphs, string? Code = null)
{
    /// <summary>
    /// What a visitor would type to find this topic's posts: one in other words than the posts use (only a semantic
    /// search finds it), one with an exact term from them (a keyword search finds it). The demo's labelled set.
    /// </summary>
    public string[] Queries { get; init; } = [];
}

/// <summary>
/// What the demo blog is about: a programmer's blog in English and Chinese, as many Typecho blogs are.
/// Paragraphs are combined per post, so posts on one topic differ but share vocabulary, which is what a
/// search over a real blog faces.
/// </summary>
internal static class DemoTopics
{
    public static readonly DemoTopic[] All =
    [
        new("Databases", ["PostgreSQL", "performance"],
            ["Tuning PostgreSQL for a small VPS", "Why my PostgreSQL query ignored the index", "Reading EXPLAIN ANALYZE output"],
            [
                "On a 2 GB virtual server the defaults waste memory: shared_buffers at a quarter of RAM and a modest work_mem keep sorts in memory without starving the kernel's page cache.",
                "The planner chose a sequential scan because the statistics were stale. Running ANALYZE after the bulk import fixed the row estimates and the index scan came back.",
                "EXPLAIN ANALYZE prints actual rows next to estimated rows; a large gap between them is the first thing to look at when a query is slow.",
                "A partial index on the rows you actually query, such as published posts only, is smaller and faster than indexing the whole table.",
                "Connection pooling with PgBouncer in transaction mode let the blog survive a traffic spike that exhausted max_connections before.",
            ],
            "EXPLAIN (ANALYZE, BUFFERS)\nSELECT * FROM posts WHERE status = 'publish' ORDER BY created DESC LIMIT 10;") { Queries = ["my database is slow on a cheap server", "EXPLAIN ANALYZE"] },
        new("Databases", ["pgvector", "embeddings", "search"],
            ["Semantic search with pgvector", "HNSW or IVFFlat for a blog-sized index", "Storing sentence embeddings in PostgreSQL"],
            [
                "pgvector adds a vector type and nearest-neighbour operators to PostgreSQL, so embeddings can live next to the rows they describe.",
                "For a few hundred thousand vectors an HNSW index answers top-10 queries in a few milliseconds with recall close to exact search.",
                "Cosine distance is the natural choice for normalised sentence embeddings; create the index with vector_cosine_ops to match the operator.",
                "Reducing 384-dimensional vectors to 128 dimensions with a fitted whitening transform shrinks the index and the build time considerably.",
                "Hybrid search fuses the vector ranking with a keyword ranking, because embeddings miss exact identifiers and version numbers.",
            ]) { Queries = ["find similar articles by meaning with vectors in postgres", "HNSW"] },
        new("DevOps", ["Docker", "networking"],
            ["Docker networking explained", "Debugging a container that cannot reach the database", "docker compose for a PHP blog"],
            [
                "Containers on the same user-defined bridge network reach each other by service name; the default bridge network does not offer that DNS.",
                "The application failed to connect because it used localhost, which inside a container is the container itself, not the host.",
                "Publishing a port with -p binds on all interfaces unless you give an address; bind to 127.0.0.1 when a reverse proxy sits in front.",
                "Health checks in docker compose let dependent services wait until the database actually accepts connections.",
            ],
            "services:\n  db:\n    image: mariadb:11\n    healthcheck:\n      test: [\"CMD\", \"healthcheck.sh\", \"--connect\"]") { Queries = ["app in a container cannot connect to the db", "docker compose"] },
        new("DevOps", ["systemd", "Linux"],
            ["Running a .NET service under systemd", "Journald logs and log rotation", "Hardening a systemd unit"],
            [
                "Type=notify lets systemd know when the service is really ready instead of guessing from the process start.",
                "ProtectSystem=strict and ReadWritePaths confine a service to the few directories it must write.",
                "journalctl -u myservice -f follows a unit's logs; add --since today to keep the output short.",
                "Restart=on-failure with RestartPreventExitStatus stops systemd from restarting a service whose configuration is simply wrong.",
            ]) { Queries = ["keep a background program running after reboot on linux", "journald"] },
        new("Programming", ["Rust", "ownership"],
            ["Understanding Rust ownership", "Borrow checker errors and how to read them", "Lifetimes without tears"],
            [
                "Every value in Rust has one owner; when the owner goes out of scope the value is dropped, which is how Rust frees memory without a garbage collector.",
                "The borrow checker allows either one mutable reference or any number of shared references, never both at once.",
                "Error E0502 means you tried to borrow something mutably while a shared borrow was still alive; shorten the first borrow's scope.",
                "Lifetime annotations do not change how long values live; they describe relationships the compiler cannot infer.",
            ],
            "fn longest<'a>(x: &'a str, y: &'a str) -> &'a str {\n    if x.len() > y.len() { x } else { y }\n}") { Queries = ["why does the compiler complain that a value was moved", "borrow checker"] },
        new("Programming", ["C#", ".NET", "async"],
            ["Async and await in C# done right", "ConfigureAwait in library code", "Cancelling long operations with CancellationToken"],
            [
                "An async method returns at its first await that is not complete; the rest runs as a continuation when the awaited task finishes.",
                "Blocking on .Result in a UI or ASP.NET classic context can deadlock, because the continuation waits for the thread you are blocking.",
                "Pass a CancellationToken through every layer and check it in loops; cancellation in .NET is cooperative.",
                "ValueTask avoids an allocation when a result is usually available synchronously, but it must not be awaited twice.",
            ],
            "await foreach (var item in source.WithCancellation(token))\n{\n    await ProcessAsync(item, token);\n}") { Queries = ["my UI freezes when waiting for a task to finish", "ConfigureAwait"] },
        new("Programming", ["Python", "performance"],
            ["Profiling a slow Python script", "Why NumPy is fast", "Generators versus lists"],
            [
                "cProfile sorted by cumulative time showed that most of the run was spent parsing dates one at a time.",
                "NumPy is fast because the loops run in compiled code over contiguous memory, not because Python got faster.",
                "A generator yields one item at a time, so a pipeline over a 10 GB log file never holds the whole file in memory.",
                "functools.lru_cache turned an exponential recursive function into a linear one with a single decorator.",
            ]) { Queries = ["my script takes forever, how do I find the slow part", "NumPy"] },
        new("Web", ["PHP", "Typecho"],
            ["Writing a Typecho plugin", "Typecho's search and why it misses things", "Migrating a Typecho blog to a new server"],
            [
                "A Typecho plugin registers callbacks on hooks in its activate method, for example on the Archive widget's search hook.",
                "Typecho's built-in search runs LIKE '%keyword%' over titles and texts, so it finds exact substrings but no synonyms or paraphrases.",
                "Moving the blog meant copying usr/ and the database; config.inc.php holds the table prefix and the connection details.",
                "Markdown posts in Typecho start with a <!--markdown--> marker, which tells the renderer to parse the body as Markdown.",
            ]) { Queries = ["extend the blog engine with my own add-on", "Typecho plugin"] },
        new("Web", ["frontend", "performance"],
            ["Making a blog theme load faster", "Lazy loading images", "Critical CSS in practice"],
            [
                "Inlining the CSS needed for the first screen and loading the rest asynchronously cut the first contentful paint in half.",
                "The loading=lazy attribute defers offscreen images without any JavaScript.",
                "Serving fonts with font-display: swap avoids invisible text while the web font downloads.",
                "A service worker can cache the theme's static assets so repeat visits load almost instantly.",
            ]) { Queries = ["pages take too long to appear in the browser", "lazy loading images"] },
        new("Machine learning", ["embeddings", "NLP"],
            ["Sentence embeddings for beginners", "Mean pooling versus the CLS token", "Why normalise embeddings"],
            [
                "A sentence encoder maps a whole sentence to one vector, so that sentences with similar meaning end up close together.",
                "Mean pooling averages the token vectors over the real tokens, ignoring padding; for many models it works better than the CLS token.",
                "After L2 normalisation, cosine similarity is a plain dot product, which vector databases compute very quickly.",
                "BERT-whitening transforms the vectors so their covariance becomes the identity, which can improve similarity and allows fewer dimensions.",
            ]) { Queries = ["turning a sentence into one vector", "mean pooling"] },
        new("数据库", ["PostgreSQL", "性能优化"],
            ["PostgreSQL 慢查询排查记录", "给博客数据库加索引", "读懂 EXPLAIN 的输出"],
            [
                "博客首页加载很慢，用 EXPLAIN ANALYZE 一看，原来是按创建时间排序时没有用上索引，走了全表扫描。",
                "批量导入文章以后统计信息过期了，执行一次 ANALYZE，查询计划马上恢复正常。",
                "只对已发布的文章建立部分索引，索引更小，查询也更快。",
                "连接数经常打满，加上 PgBouncer 连接池以后，流量高峰也能扛住了。",
            ]) { Queries = ["数据库查询很慢怎么办", "EXPLAIN"] },
        new("自然语言处理", ["中文分词", "新词发现"],
            ["中文分词的几种方法", "新词发现算法简介", "基于信息熵的新词发现"],
            [
                "中文没有天然的空格分隔，分词是几乎所有中文自然语言处理任务的第一步。",
                "新词发现通常统计候选词的凝固度和左右邻字的信息熵，凝固度高、边界自由度大的字串更可能是一个词。",
                "基于词典的最大匹配法简单高效，但遇到未登录词就无能为力，这正是新词发现要解决的问题。",
                "结巴分词结合了前缀词典和隐马尔可夫模型，对未登录词也有一定的识别能力。",
                "对于搜索来说，把中文切成单字和双字组合，也能得到不错的召回率。",
            ]) { Queries = ["新词算法", "信息熵"] },
        new("机器学习", ["向量检索", "语义搜索"],
            ["用句向量做博客语义搜索", "BERT-whitening 降维实践", "向量数据库选型笔记"],
            [
                "关键词搜索只能找到字面相同的内容，语义搜索则能找到意思相近但用词不同的文章。",
                "把每篇文章切成若干段，用句向量模型编码后存进 pgvector，查询时找最近的向量即可。",
                "BERT-whitening 先减去均值，再用协方差矩阵的特征向量做旋转和缩放，可以把 384 维降到 128 维而效果几乎不变。",
                "混合检索把向量排序和关键词排序用倒数排名融合起来，既能理解语义，又不会漏掉精确的型号和版本号。",
            ]) { Queries = ["根据意思而不是关键词查找文章", "BERT-whitening"] },
        new("运维", ["Docker", "Linux"],
            ["Docker 容器网络踩坑", "用 systemd 管理后台服务", "服务器迁移笔记"],
            [
                "容器里访问 localhost 指的是容器自己，而不是宿主机，所以应用一直连不上数据库。",
                "同一个自定义网络里的容器可以直接用服务名互相访问，默认的 bridge 网络则不行。",
                "用 systemd 管理服务以后，崩溃会自动重启，日志也统一进了 journald。",
                "迁移博客只需要备份数据库和 usr 目录，再改一下配置文件里的数据库连接。",
            ]) { Queries = ["容器之间无法互相访问", "systemd"] },
        new("前端", ["性能优化", "CSS"],
            ["博客主题加载优化", "图片懒加载实践", "关键 CSS 内联"],
            [
                "把首屏需要的样式内联到页面里，其余样式异步加载，首次渲染时间减少了一半。",
                "给图片加上 loading=lazy 属性，浏览器会在图片快进入视口时才去加载。",
                "网页字体使用 font-display: swap，避免字体下载期间文字不可见。",
                "静态资源加上长缓存和文件指纹，回访用户几乎不用重新下载。",
            ]) { Queries = ["让网页打开得更快", "懒加载"] },
        new("编程", ["Rust", "C#"],
            ["Rust 所有权入门", "C# 异步编程的常见误区", "从 C# 转到 Rust 的体会"],
            [
                "Rust 中每个值都有唯一的所有者，所有者离开作用域时值就被释放，不需要垃圾回收。",
                "借用检查器保证同一时间要么只有一个可变引用，要么有多个不可变引用。",
                "在 C# 里对异步方法调用 .Result 很容易造成死锁，应该一路 await 到底。",
                "CancellationToken 是协作式的取消机制，循环里要记得检查它。",
            ]) { Queries = ["编译器说变量已经被移动了", "所有权"] },
    ];
}
