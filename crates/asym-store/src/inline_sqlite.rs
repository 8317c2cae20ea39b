//! The SQLite driver behind the `Any` pool: each statement runs on the thread of
//! the task that issued it, over a rusqlite connection with a prepared-statement
//! cache.
//!
//! sqlx's own SQLite driver gives every connection a worker thread and sends each
//! statement, and each row back, across channels. On a 2-core machine those
//! hand-offs (futex waits and wake-ups) were half the CPU of a Slack write under
//! load, while the statements themselves take microseconds. Driving SQLite in
//! place removes them; the template code above does not change, because rows are
//! produced as the `Any` driver's own `AnyRow`s.
//!
//! A statement blocks its thread only where SQLite itself waits: for the write
//! lock, which writers of one clone take through `begin_write`'s async lane first,
//! so only a writer in another process makes it wait (bounded by `busy_timeout`).
//!
//! sqlx's `AnyDriver` is generic over a `Database`, so one exists here; the `Any`
//! layer only ever calls the connection's `AnyConnectionBackend` methods, and the
//! row, column, value and statement types of that `Database` are uninhabited.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::types::{Null, ValueRef as SqlValue};
use rusqlite::{Connection as RawConnection, OpenFlags};
use sqlx::error::{BoxDynError, DatabaseError, ErrorKind};
use sqlx::{Either, Error};
use sqlx_core::any::driver::AnyDriver;
use sqlx_core::any::{
    AnyArguments, AnyColumn, AnyConnectOptions, AnyConnectionBackend, AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo, AnyTypeInfoKind,
    AnyValue, AnyValueKind,
};
use sqlx_core::ext::ustr::UStr;
use sqlx_core::sql_str::SqlStr;
use url::Url;

/// Prepared statements kept per connection (the templates use a few hundred
/// distinct statements; the hot ones stay cached).
const STATEMENT_CACHE: usize = 256;

/// The drivers `Pool` connects with: this one for `sqlite:` URLs, sqlx's for
/// PostgreSQL.
pub static DRIVERS: [AnyDriver; 2] = [AnyDriver::without_migrate::<InlineSqlite>(), sqlx::postgres::any::DRIVER];

/// Installs [`DRIVERS`] once per process.
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Only this crate installs drivers, once; a second call cannot happen.
        let _ = sqlx::any::install_drivers(&DRIVERS);
    });
}

#[derive(Debug)]
pub struct InlineSqlite;

impl sqlx::Database for InlineSqlite {
    type Connection = InlineConnection;
    type TransactionManager = InlineTransactions;
    type Row = Unreachable;
    type QueryResult = AnyQueryResult;
    type Column = Unreachable;
    type TypeInfo = Unreachable;
    type Value = Unreachable;
    type ValueRef<'r> = Unreachable;
    type Arguments = NoArguments;
    type ArgumentBuffer = ();
    type Statement = Unreachable;
    const NAME: &'static str = "SQLite";
    const URL_SCHEMES: &'static [&'static str] = &["sqlite"];
}

/// Where and how to open a database file, from a `sqlite:` URL (`mode=ro|rw|rwc`
/// and `immutable=1` are passed to SQLite as URI parameters).
#[derive(Debug, Clone)]
pub struct InlineOptions {
    url: Url,
}

impl InlineOptions {
    /// The `file:` URI SQLite opens: the URL's path (already percent-encoded,
    /// which SQLite decodes) with its query.
    fn uri(&self) -> String {
        let path = self.url.path();
        let path = if path.is_empty() || path == ":memory:" { ":memory:" } else { path };
        match self.url.query() {
            Some(q) => format!("file:{path}?{q}"),
            None => format!("file:{path}"),
        }
    }

    fn open(&self) -> Result<InlineConnection, Error> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = RawConnection::open_with_flags(self.uri(), flags).map_err(db_error)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Without the query planner stability guarantee, SQLite re-plans a cached
        // statement whenever a parameter the planner looked at is bound again
        // (a `LIMIT $n`, a LIKE pattern): perf showed a fifth of a Slack history
        // read in sqlite3Reprepare.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(db_error)?;
        // sqlx's SQLite driver did the same on every connection; read-only
        // images and readers rely on it as writable pools do.
        conn.busy_timeout(Duration::from_secs(5)).map_err(db_error)?;
        conn.execute_batch("PRAGMA foreign_keys = ON;").map_err(db_error)?;
        Ok(InlineConnection { conn, depth: 0, columns: HashMap::new() })
    }
}

impl FromStr for InlineOptions {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(InlineOptions { url: s.parse().map_err(Error::config)? })
    }
}

impl<'a> TryFrom<&'a AnyConnectOptions> for InlineOptions {
    type Error = Error;
    fn try_from(opts: &'a AnyConnectOptions) -> Result<Self, Error> {
        Ok(InlineOptions { url: opts.database_url.clone() })
    }
}

impl sqlx::ConnectOptions for InlineOptions {
    type Connection = InlineConnection;

    fn from_url(url: &Url) -> Result<Self, Error> {
        Ok(InlineOptions { url: url.clone() })
    }

    fn to_url_lossy(&self) -> Url {
        self.url.clone()
    }

    async fn connect(&self) -> Result<InlineConnection, Error> {
        self.open()
    }

    fn log_statements(self, _level: log::LevelFilter) -> Self {
        self
    }

    fn log_slow_statements(self, _level: log::LevelFilter, _duration: Duration) -> Self {
        self
    }
}

/// Column names of a statement, shared by all its rows.
#[derive(Clone)]
struct Columns {
    by_name: Arc<sqlx_core::HashMap<UStr, usize>>,
    names: Arc<[UStr]>,
}

pub struct InlineConnection {
    conn: RawConnection,
    /// Open transactions and savepoints, as sqlx counts them.
    depth: usize,
    /// Column names per cached statement's SQL.
    columns: HashMap<String, Columns>,
}

impl fmt::Debug for InlineConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InlineConnection").field("depth", &self.depth).finish()
    }
}

type Step = Result<Either<AnyQueryResult, AnyRow>, Error>;

impl InlineConnection {
    /// Runs `sql` to completion (or to its first row when `first_only`). With
    /// arguments it is one statement, prepared through the cache when
    /// `persistent`; without, it may be several (migrations, pragmas).
    fn run(&mut self, sql: &str, persistent: bool, args: Option<AnyArguments>, first_only: bool) -> Vec<Step> {
        let mut out = Vec::new();
        if let Err(e) = self.run_into(sql, persistent, args, first_only, &mut out) {
            out.push(Err(e));
        }
        out
    }

    fn run_into(
        &mut self,
        sql: &str,
        persistent: bool,
        args: Option<AnyArguments>,
        first_only: bool,
        out: &mut Vec<Step>,
    ) -> Result<(), Error> {
        let values = args.map(|a| a.values.0).unwrap_or_default();
        if persistent {
            let mut stmt = match self.conn.prepare_cached(sql) {
                Ok(stmt) => stmt,
                Err(rusqlite::Error::MultipleStatement) => return self.run_batch(sql, &values, first_only, out),
                Err(e) => return Err(db_error(e)),
            };
            let columns = match self.columns.get(sql) {
                Some(c) => c.clone(),
                None => {
                    // Bounded like the statement cache: SQL built per call (IN
                    // lists of varying length) must not grow it without end.
                    if self.columns.len() >= STATEMENT_CACHE {
                        self.columns.clear();
                    }
                    let c = columns_of(&stmt);
                    self.columns.insert(sql.to_string(), c.clone());
                    c
                }
            };
            return step_all(&self.conn, &mut stmt, &columns, &values, &mut 0, first_only, out);
        }
        self.run_batch(sql, &values, first_only, out)
    }

    fn run_batch(&self, sql: &str, values: &[AnyValueKind], first_only: bool, out: &mut Vec<Step>) -> Result<(), Error> {
        let mut batch = rusqlite::Batch::new(&self.conn, sql);
        let mut offset = 0;
        while let Some(mut stmt) = batch.next().map_err(db_error)? {
            let columns = columns_of(&stmt);
            step_all(&self.conn, &mut stmt, &columns, values, &mut offset, first_only, out)?;
            if first_only && out.iter().any(|s| matches!(s, Ok(Either::Right(_)))) {
                break;
            }
        }
        Ok(())
    }

    fn begin(&mut self, statement: Option<SqlStr>) -> Result<(), Error> {
        let sql = match (self.depth, statement) {
            (0, Some(s)) => s.as_str().to_string(),
            (0, None) => "BEGIN".to_string(),
            (d, None) => format!("SAVEPOINT _sqlx_savepoint_{d}"),
            (_, Some(_)) => return Err(Error::InvalidSavePointStatement),
        };
        self.conn.execute_batch(&sql).map_err(db_error)?;
        self.depth += 1;
        Ok(())
    }

    fn commit(&mut self) -> Result<(), Error> {
        let sql = match self.depth {
            0 => return Ok(()),
            1 => "COMMIT".to_string(),
            d => format!("RELEASE SAVEPOINT _sqlx_savepoint_{}", d - 1),
        };
        self.conn.execute_batch(&sql).map_err(db_error)?;
        self.depth -= 1;
        Ok(())
    }

    fn rollback(&mut self) -> Result<(), Error> {
        let sql = match self.depth {
            0 => return Ok(()),
            1 => "ROLLBACK".to_string(),
            d => format!("ROLLBACK TO SAVEPOINT _sqlx_savepoint_{}", d - 1),
        };
        let done = self.conn.execute_batch(&sql);
        self.depth -= 1;
        // A failed statement can already have ended the transaction (SQLite rolls
        // back on some errors); there is then nothing left to roll back.
        match done {
            Err(_) if self.conn.is_autocommit() => {
                self.depth = 0;
                Ok(())
            }
            other => other.map_err(db_error),
        }
    }
}

fn columns_of(stmt: &rusqlite::Statement<'_>) -> Columns {
    let names: Arc<[UStr]> = stmt.column_names().into_iter().map(UStr::new).collect();
    let by_name = names.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
    Columns { by_name: Arc::new(by_name), names }
}

/// Binds `values` the way sqlx's SQLite driver does — `$N`/`?N` name argument N,
/// anonymous `?` take the next one after `offset` — then steps the statement,
/// pushing each row and finally its result.
fn step_all(
    conn: &RawConnection,
    stmt: &mut rusqlite::Statement<'_>,
    columns: &Columns,
    values: &[AnyValueKind],
    offset: &mut usize,
    first_only: bool,
    out: &mut Vec<Step>,
) -> Result<(), Error> {
    let params = stmt.parameter_count();
    for param in 1..=params {
        let n = match stmt.parameter_name(param) {
            Some(name) => name
                .strip_prefix('$')
                .or_else(|| name.strip_prefix('?'))
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| Error::Protocol(format!("unsupported SQL parameter `{name}`: use $1, $2, …")))?,
            None => {
                *offset += 1;
                *offset
            }
        };
        // A parameter without an argument is NULL (as in SQLite), not what a
        // cached statement's last run bound.
        let Some(value) = n.checked_sub(1).and_then(|i| values.get(i)) else {
            stmt.raw_bind_parameter(param, Null).map_err(db_error)?;
            continue;
        };
        let bound = match value {
            AnyValueKind::Null(_) => stmt.raw_bind_parameter(param, Null),
            AnyValueKind::Bool(b) => stmt.raw_bind_parameter(param, *b as i64),
            AnyValueKind::SmallInt(i) => stmt.raw_bind_parameter(param, *i as i64),
            AnyValueKind::Integer(i) => stmt.raw_bind_parameter(param, *i as i64),
            AnyValueKind::BigInt(i) => stmt.raw_bind_parameter(param, *i),
            AnyValueKind::Real(r) => stmt.raw_bind_parameter(param, *r as f64),
            AnyValueKind::Double(d) => stmt.raw_bind_parameter(param, *d),
            AnyValueKind::Text(t) => stmt.raw_bind_parameter(param, t.as_str()),
            AnyValueKind::TextSlice(t) => stmt.raw_bind_parameter(param, &**t),
            AnyValueKind::Blob(b) => stmt.raw_bind_parameter(param, b.as_slice()),
            other => return Err(Error::Encode(format!("no SQLite value for {other:?}").into())),
        };
        bound.map_err(db_error)?;
    }
    let readonly = stmt.readonly();
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next().map_err(db_error)? {
        let mut cols = Vec::with_capacity(columns.names.len());
        let mut vals = Vec::with_capacity(columns.names.len());
        for (i, name) in columns.names.iter().enumerate() {
            let kind = match row.get_ref(i).map_err(db_error)? {
                SqlValue::Null => AnyValueKind::Null(AnyTypeInfoKind::Null),
                SqlValue::Integer(v) => AnyValueKind::BigInt(v),
                SqlValue::Real(v) => AnyValueKind::Double(v),
                SqlValue::Text(t) => AnyValueKind::Text(Arc::new(String::from_utf8(t.to_vec()).map_err(|e| Error::Decode(e.into()))?)),
                SqlValue::Blob(b) => AnyValueKind::Blob(Arc::new(b.to_vec())),
            };
            let type_kind = match &kind {
                AnyValueKind::BigInt(_) => AnyTypeInfoKind::BigInt,
                AnyValueKind::Double(_) => AnyTypeInfoKind::Double,
                AnyValueKind::Text(_) => AnyTypeInfoKind::Text,
                AnyValueKind::Blob(_) => AnyTypeInfoKind::Blob,
                _ => AnyTypeInfoKind::Null,
            };
            cols.push(AnyColumn { ordinal: i, name: name.clone(), type_info: AnyTypeInfo { kind: type_kind } });
            vals.push(AnyValue { kind });
        }
        out.push(Ok(Either::Right(AnyRow { column_names: columns.by_name.clone(), columns: cols, values: vals })));
        if first_only {
            return Ok(());
        }
    }
    drop(rows);
    let rows_affected = if readonly { 0 } else { conn.changes() };
    out.push(Ok(Either::Left(AnyQueryResult { rows_affected, last_insert_id: None })));
    Ok(())
}

impl AnyConnectionBackend for InlineConnection {
    fn name(&self) -> &str {
        "SQLite"
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, sqlx::Result<()>> {
        let closed = self.conn.close().map_err(|(_, e)| db_error(e));
        Box::pin(async move { closed })
    }

    fn close_hard(self: Box<Self>) -> BoxFuture<'static, sqlx::Result<()>> {
        self.close()
    }

    fn ping(&mut self) -> BoxFuture<'_, sqlx::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn begin(&mut self, statement: Option<SqlStr>) -> BoxFuture<'_, sqlx::Result<()>> {
        let done = InlineConnection::begin(self, statement);
        Box::pin(async move { done })
    }

    fn commit(&mut self) -> BoxFuture<'_, sqlx::Result<()>> {
        let done = InlineConnection::commit(self);
        Box::pin(async move { done })
    }

    fn rollback(&mut self) -> BoxFuture<'_, sqlx::Result<()>> {
        let done = InlineConnection::rollback(self);
        Box::pin(async move { done })
    }

    fn start_rollback(&mut self) {
        // Runs at once: there is no worker to hand it to.
        if let Err(e) = InlineConnection::rollback(self) {
            tracing::warn!(error = %e, "rolling back a dropped transaction failed");
        }
    }

    fn get_transaction_depth(&self) -> usize {
        self.depth
    }

    fn cached_statements_size(&self) -> usize {
        self.columns.len()
    }

    fn clear_cached_statements(&mut self) -> BoxFuture<'_, sqlx::Result<()>> {
        self.conn.flush_prepared_statement_cache();
        self.columns.clear();
        Box::pin(async { Ok(()) })
    }

    fn shrink_buffers(&mut self) {}

    fn flush(&mut self) -> BoxFuture<'_, sqlx::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn should_flush(&self) -> bool {
        false
    }

    fn fetch_many(
        &mut self,
        query: SqlStr,
        persistent: bool,
        arguments: Option<AnyArguments>,
    ) -> BoxStream<'_, sqlx::Result<Either<AnyQueryResult, AnyRow>>> {
        let persistent = persistent && arguments.is_some();
        let steps = self.run(query.as_str(), persistent, arguments, false);
        Box::pin(futures_util::stream::iter(steps))
    }

    fn fetch_optional(
        &mut self,
        query: SqlStr,
        persistent: bool,
        arguments: Option<AnyArguments>,
    ) -> BoxFuture<'_, sqlx::Result<Option<AnyRow>>> {
        let persistent = persistent && arguments.is_some();
        let mut first = None;
        for step in self.run(query.as_str(), persistent, arguments, true) {
            match step {
                Ok(Either::Right(row)) => {
                    first = Some(row);
                    break;
                }
                Ok(Either::Left(_)) => {}
                Err(e) => return Box::pin(async move { Err(e) }),
            }
        }
        Box::pin(async move { Ok(first) })
    }

    fn prepare_with<'c, 'q: 'c>(&'c mut self, sql: SqlStr, _parameters: &[AnyTypeInfo]) -> BoxFuture<'c, sqlx::Result<AnyStatement>> {
        let prepared = self.conn.prepare_cached(sql.as_str()).map_err(db_error).map(|stmt| {
            let columns = columns_of(&stmt);
            let params = stmt.parameter_count();
            let cols = columns
                .names
                .iter()
                .enumerate()
                .map(|(i, name)| AnyColumn { ordinal: i, name: name.clone(), type_info: AnyTypeInfo { kind: AnyTypeInfoKind::Null } })
                .collect();
            (columns.by_name, cols, params)
        });
        Box::pin(async move {
            let (column_names, columns, params) = prepared?;
            Ok(AnyStatement { sql, parameters: Some(Either::Right(params)), column_names, columns })
        })
    }

    fn describe(&mut self, _sql: SqlStr) -> BoxFuture<'_, sqlx::Result<sqlx_core::describe::Describe<sqlx::Any>>> {
        Box::pin(async {
            Err(Error::Configuration(
                "DESCRIBE_UNSUPPORTED: the inline SQLite driver serves clones, not sqlx's compile-time query checks".into(),
            ))
        })
    }
}

impl sqlx::Connection for InlineConnection {
    type Database = InlineSqlite;
    type Options = InlineOptions;

    async fn close(self) -> Result<(), Error> {
        self.conn.close().map_err(|(_, e)| db_error(e))
    }

    async fn close_hard(self) -> Result<(), Error> {
        sqlx::Connection::close(self).await
    }

    async fn ping(&mut self) -> Result<(), Error> {
        Ok(())
    }

    fn begin(&mut self) -> impl Future<Output = Result<sqlx::Transaction<'_, InlineSqlite>, Error>> + Send + '_ {
        sqlx::Transaction::begin(self, None)
    }

    fn shrink_buffers(&mut self) {}

    async fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }

    fn should_flush(&self) -> bool {
        false
    }
}

pub struct InlineTransactions;

impl sqlx_core::transaction::TransactionManager for InlineTransactions {
    type Database = InlineSqlite;

    async fn begin(conn: &mut InlineConnection, statement: Option<SqlStr>) -> Result<(), Error> {
        conn.begin(statement)
    }

    async fn commit(conn: &mut InlineConnection) -> Result<(), Error> {
        conn.commit()
    }

    async fn rollback(conn: &mut InlineConnection) -> Result<(), Error> {
        conn.rollback()
    }

    fn start_rollback(conn: &mut InlineConnection) {
        AnyConnectionBackend::start_rollback(conn)
    }

    fn get_transaction_depth(conn: &InlineConnection) -> usize {
        conn.depth
    }
}

/// A SQLite error as sqlx reports database errors: the message, and the
/// extended result code as the code (what sqlx's SQLite driver reports).
#[derive(Debug)]
struct SqliteError {
    message: String,
    code: Option<i32>,
}

impl fmt::Display for SqliteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(code: {}) {}", self.code.unwrap_or(-1), self.message)
    }
}

impl std::error::Error for SqliteError {}

impl DatabaseError for SqliteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        self.code.map(|c| Cow::Owned(c.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.code {
            Some(2067) | Some(1555) => ErrorKind::UniqueViolation,
            Some(787) => ErrorKind::ForeignKeyViolation,
            Some(1299) => ErrorKind::NotNullViolation,
            Some(275) => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

fn db_error(e: rusqlite::Error) -> Error {
    match e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            let message = msg.unwrap_or_else(|| f.to_string());
            Error::Database(Box::new(SqliteError { message, code: Some(f.extended_code) }))
        }
        other => Error::Database(Box::new(SqliteError { message: other.to_string(), code: None })),
    }
}

/// The arguments type of [`InlineSqlite`]. Queries reach this driver through the
/// `Any` driver, which encodes arguments as `AnyArguments`; encoding for this
/// database directly is refused.
#[derive(Default)]
pub struct NoArguments;

impl sqlx::Arguments for NoArguments {
    type Database = InlineSqlite;

    fn reserve(&mut self, _additional: usize, _size: usize) {}

    fn add<'t, T>(&mut self, _value: T) -> Result<(), BoxDynError>
    where
        T: sqlx::Encode<'t, InlineSqlite> + sqlx::Type<InlineSqlite>,
    {
        Err("ARGUMENTS_UNSUPPORTED: bind arguments through sqlx's Any driver".into())
    }

    fn len(&self) -> usize {
        0
    }
}

/// The row, column, type, value and statement types of [`InlineSqlite`]: none
/// can exist, because the `Any` layer gets `AnyRow`s from this driver.
#[derive(Debug, Clone, PartialEq)]
pub enum Unreachable {}

impl fmt::Display for Unreachable {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl sqlx::TypeInfo for Unreachable {
    fn is_null(&self) -> bool {
        match *self {}
    }
    fn name(&self) -> &str {
        match *self {}
    }
}

impl sqlx::Column for Unreachable {
    type Database = InlineSqlite;
    fn ordinal(&self) -> usize {
        match *self {}
    }
    fn name(&self) -> &str {
        match *self {}
    }
    fn type_info(&self) -> &Unreachable {
        self
    }
}

impl sqlx::Row for Unreachable {
    type Database = InlineSqlite;
    fn columns(&self) -> &[Unreachable] {
        match *self {}
    }
    fn try_get_raw<I>(&self, _index: I) -> Result<Unreachable, Error>
    where
        I: sqlx::ColumnIndex<Self>,
    {
        match *self {}
    }
}

impl sqlx::Value for Unreachable {
    type Database = InlineSqlite;
    fn as_ref(&self) -> Unreachable {
        match *self {}
    }
    fn type_info(&self) -> Cow<'_, Unreachable> {
        match *self {}
    }
    fn is_null(&self) -> bool {
        match *self {}
    }
}

impl<'r> sqlx::ValueRef<'r> for Unreachable {
    type Database = InlineSqlite;
    fn to_owned(&self) -> Unreachable {
        match *self {}
    }
    fn type_info(&self) -> Cow<'_, Unreachable> {
        match *self {}
    }
    fn is_null(&self) -> bool {
        match *self {}
    }
}

impl sqlx::Statement for Unreachable {
    type Database = InlineSqlite;
    fn into_sql(self) -> SqlStr {
        match self {}
    }
    fn sql(&self) -> &SqlStr {
        match *self {}
    }
    fn parameters(&self) -> Option<Either<&[Unreachable], usize>> {
        match *self {}
    }
    fn columns(&self) -> &[Unreachable] {
        match *self {}
    }
    fn query(&self) -> sqlx::query::Query<'_, InlineSqlite, NoArguments> {
        match *self {}
    }
    fn query_with<A>(&self, _arguments: A) -> sqlx::query::Query<'_, InlineSqlite, A>
    where
        A: sqlx::IntoArguments<InlineSqlite>,
    {
        match *self {}
    }
    fn query_as<O>(&self) -> sqlx::query::QueryAs<'_, InlineSqlite, O, NoArguments>
    where
        O: for<'r> sqlx::FromRow<'r, Unreachable>,
    {
        match *self {}
    }
    fn query_as_with<'s, O, A>(&'s self, _arguments: A) -> sqlx::query::QueryAs<'s, InlineSqlite, O, A>
    where
        O: for<'r> sqlx::FromRow<'r, Unreachable>,
        A: sqlx::IntoArguments<InlineSqlite>,
    {
        match *self {}
    }
    fn query_scalar<O>(&self) -> sqlx::query::QueryScalar<'_, InlineSqlite, O, NoArguments>
    where
        (O,): for<'r> sqlx::FromRow<'r, Unreachable>,
    {
        match *self {}
    }
    fn query_scalar_with<'s, O, A>(&'s self, _arguments: A) -> sqlx::query::QueryScalar<'s, InlineSqlite, O, A>
    where
        (O,): for<'r> sqlx::FromRow<'r, Unreachable>,
        A: sqlx::IntoArguments<InlineSqlite>,
    {
        match *self {}
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use crate::pool::{self, Pool};
    use crate::target::Target;

    async fn pool() -> (tempfile::TempDir, Pool) {
        let dir = tempfile::tempdir().unwrap();
        let p = pool::connect(&Target::Sqlite { path: dir.path().join("db.sqlite") }, true).await.unwrap();
        sqlx::query("CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT, x DOUBLE PRECISION, b BYTEA)").execute(&p).await.unwrap();
        (dir, p)
    }

    #[tokio::test]
    async fn numbered_parameters_bind_by_number_and_rows_come_back_typed() {
        let (_dir, p) = pool().await;
        let done = sqlx::query("INSERT INTO t (n, id, x, b) VALUES ($2, $1, $3, $4)")
            .bind("a")
            .bind(7_i64)
            .bind(1.5_f64)
            .bind(vec![1_u8, 2])
            .execute(&p)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
        let row = sqlx::query("SELECT id, n, x, b, NULL AS absent FROM t WHERE id = $1 AND n = $2")
            .bind("a")
            .bind(7_i64)
            .fetch_one(&p)
            .await
            .unwrap();
        assert_eq!(row.get::<String, _>("id"), "a");
        assert_eq!(row.get::<i64, _>("n"), 7);
        assert_eq!(row.get::<f64, _>("x"), 1.5);
        assert_eq!(row.get::<Vec<u8>, _>("b"), vec![1, 2]);
        assert_eq!(row.get::<Option<String>, _>("absent"), None);
    }

    #[tokio::test]
    async fn a_script_without_arguments_runs_every_statement() {
        let (_dir, p) = pool().await;
        sqlx::raw_sql("INSERT INTO t (id, n) VALUES ('x', 1); INSERT INTO t (id, n) VALUES ('y', 2); UPDATE t SET n = n + 10;")
            .execute(&p)
            .await
            .unwrap();
        let sum: i64 = sqlx::query_scalar("SELECT CAST(SUM(n) AS BIGINT) FROM t").fetch_one(&p).await.unwrap();
        assert_eq!(sum, 23);
    }

    #[tokio::test]
    async fn fetch_optional_returns_the_first_row_or_none() {
        let (_dir, p) = pool().await;
        for (id, n) in [("a", 1_i64), ("b", 2)] {
            sqlx::query("INSERT INTO t (id, n) VALUES ($1, $2)").bind(id).bind(n).execute(&p).await.unwrap();
        }
        let first: Option<String> = sqlx::query_scalar("SELECT id FROM t ORDER BY n").fetch_optional(&p).await.unwrap();
        assert_eq!(first.as_deref(), Some("a"));
        let none: Option<String> = sqlx::query_scalar("SELECT id FROM t WHERE n > 5").fetch_optional(&p).await.unwrap();
        assert_eq!(none, None);
    }

    #[tokio::test]
    async fn a_unique_violation_is_a_named_database_error() {
        let (_dir, p) = pool().await;
        sqlx::query("INSERT INTO t (id) VALUES ($1)").bind("dup").execute(&p).await.unwrap();
        let err = sqlx::query("INSERT INTO t (id) VALUES ($1)").bind("dup").execute(&p).await.unwrap_err();
        let db = err.as_database_error().expect("a database error");
        assert!(db.is_unique_violation(), "{db}");
        assert!(db.message().contains("UNIQUE"), "{db}");
        let syntax = sqlx::query("SELEC 1").execute(&p).await.unwrap_err();
        assert!(syntax.to_string().contains("syntax error"), "{syntax}");
    }

    #[tokio::test]
    async fn transactions_commit_roll_back_and_nest_as_savepoints() {
        let (_dir, p) = pool().await;
        let mut tx = pool::begin_write(&p).await.unwrap();
        sqlx::query("INSERT INTO t (id) VALUES ('kept')").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = p.begin().await.unwrap();
        sqlx::query("INSERT INTO t (id) VALUES ('outer')").execute(&mut *tx).await.unwrap();
        {
            let mut inner = sqlx::Acquire::begin(&mut *tx).await.unwrap();
            sqlx::query("INSERT INTO t (id) VALUES ('inner')").execute(&mut *inner).await.unwrap();
            inner.rollback().await.unwrap();
        }
        tx.commit().await.unwrap();

        {
            let mut dropped = pool::begin_write(&p).await.unwrap();
            sqlx::query("INSERT INTO t (id) VALUES ('dropped')").execute(&mut *dropped).await.unwrap();
        }
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM t ORDER BY id").fetch_all(&p).await.unwrap();
        assert_eq!(ids, ["kept", "outer"]);
        // The connection a dropped transaction used is clean again.
        let mut tx = pool::begin_write(&p).await.unwrap();
        sqlx::query("INSERT INTO t (id) VALUES ('after')").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_share_commits_and_a_failed_one_loses_only_its_own_work() {
        let (_dir, p) = pool().await;
        let mut tasks = Vec::new();
        for n in 0..60 {
            let p = p.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = pool::begin_write(&p).await.unwrap();
                sqlx::query("INSERT INTO t (id) VALUES ($1)").bind(format!("w{n:02}")).execute(&mut *tx).await.unwrap();
                match n % 6 {
                    0 => tx.rollback().await.unwrap(),
                    1 => drop(tx),
                    _ => {
                        tx.commit().await.unwrap();
                        // Committed means visible to every other connection.
                        let seen: Option<String> =
                            sqlx::query_scalar("SELECT id FROM t WHERE id = $1").bind(format!("w{n:02}")).fetch_optional(&p).await.unwrap();
                        assert!(seen.is_some(), "w{n:02} committed but not visible");
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        // The last rolled-back or dropped writer may still be ending its savepoint.
        let tx = pool::begin_write(&p).await.unwrap();
        tx.commit().await.unwrap();
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM t ORDER BY id").fetch_all(&p).await.unwrap();
        let want: Vec<String> = (0..60).filter(|n| n % 6 > 1).map(|n| format!("w{n:02}")).collect();
        assert_eq!(ids, want);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_whose_caller_went_away_still_lands() {
        let (_dir, p) = pool().await;
        let mut first = pool::begin_write(&p).await.unwrap();
        sqlx::query("INSERT INTO t (id) VALUES ('first')").execute(&mut *first).await.unwrap();
        let second = {
            let p = p.clone();
            tokio::spawn(async move {
                let mut tx = pool::begin_write(&p).await.unwrap();
                sqlx::query("INSERT INTO t (id) VALUES ('second')").execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            })
        };
        // `first` releases its savepoint and waits for `second` to join the batch;
        // its caller gives up before the batch commits.
        let abandoned = tokio::time::timeout(std::time::Duration::from_millis(1), first.commit()).await;
        drop(abandoned);
        second.await.unwrap();
        let tx = pool::begin_write(&p).await.unwrap();
        tx.commit().await.unwrap();
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM t ORDER BY id").fetch_all(&p).await.unwrap();
        assert_eq!(ids, ["first", "second"]);
    }

    #[tokio::test]
    async fn statements_built_per_call_do_not_grow_the_cache_without_end() {
        use sqlx::Connection;
        let (_dir, p) = pool().await;
        let mut conn = p.acquire().await.unwrap();
        for n in 0..(super::STATEMENT_CACHE + 50) {
            let sql = format!("SELECT {n} AS n FROM t WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind("x").fetch_optional(&mut *conn).await.unwrap();
        }
        let cached = conn.cached_statements_size();
        assert!(cached > 0 && cached <= super::STATEMENT_CACHE, "{cached}");
    }

    #[tokio::test]
    async fn a_read_only_image_refuses_writes() {
        let (dir, p) = pool().await;
        sqlx::query("INSERT INTO t (id) VALUES ('a')").execute(&p).await.unwrap();
        p.close().await;
        let image = pool::connect_image(&dir.path().join("db.sqlite")).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&image).await.unwrap();
        assert_eq!(n, 1);
        let err = sqlx::query("INSERT INTO t (id) VALUES ('b')").execute(&image).await.unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
    }
}
