//! The interpreter: runs a compiled template statement by statement on a
//! connection.
//!
//! Blocks are walked with an explicit stack of frames (a block and the
//! next statement, a loop and its position, a `try` marker), and
//! expressions are evaluated from their postfix form with a value stack,
//! so running never recurses: the parser's nesting limit bounds the frame
//! stack. An error unwinds the frames to the innermost `try` when it is a
//! device error, and ends the run otherwise.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use oxscript_core::Account;

use crate::ast::{
    BinOp, Expr, Initial, Interp, Loop, LoopKind, Offset, Op, Part, RegexExpr, Stmt, StmtKind,
    VarId,
};
use crate::conn::Conn;
use crate::error::{Error, Result};
use crate::functions::{Call, FunctionError, Kind};
use crate::pyre::TemplateRegex;
use crate::stdlib::{self, response_lines};
use crate::template::{CommandOutput, Program, RunOptions};
use crate::value::{Item, Value};
use crate::vars::Variables;

const RESPONSE: &str = "__response__";

/// The variables of a run: one slot per variable of the template, and the
/// variables passed in that the template does not use.
pub(crate) struct Store {
    index: Arc<HashMap<String, VarId>>,
    names: Arc<[String]>,
    slots: Vec<Option<Value>>,
    extras: BTreeMap<String, Value>,
    response: Option<VarId>,
    last_response: Option<String>,
}

impl Store {
    fn new(program: &Program, supplied: &Variables, builtins: [(&str, Value); 3]) -> Store {
        let mut slots = Vec::with_capacity(program.vars.len());
        for info in &program.vars {
            let value = match supplied.get(&info.name) {
                Some(v) => Some(v.clone()),
                None => match builtins.iter().find(|(n, _)| *n == info.name) {
                    Some((_, v)) => Some(v.clone()),
                    None => match info.initial {
                        Initial::Undefined => None,
                        Initial::NoneValue => Some(Value::single(Item::None)),
                        Initial::Empty => Some(Value::empty()),
                    },
                },
            };
            slots.push(value);
        }
        let extras = supplied
            .iter()
            .filter(|(name, _)| !program.index.contains_key(*name))
            .map(|(n, v)| (n.to_owned(), v.clone()))
            .collect();
        Store {
            index: Arc::clone(&program.index),
            names: Arc::clone(&program.names),
            slots,
            extras,
            response: program.index.get(RESPONSE).copied(),
            last_response: None,
        }
    }

    fn get(&self, var: VarId) -> Option<&Value> {
        self.slots.get(var).and_then(Option::as_ref)
    }

    fn set(&mut self, var: VarId, value: Value) {
        if let Some(slot) = self.slots.get_mut(var) {
            *slot = Some(value);
        }
    }

    fn name(&self, var: VarId) -> &str {
        self.names.get(var).map_or("?", String::as_str)
    }

    pub(crate) fn get_by_name(&self, name: &str) -> Option<&Value> {
        match self.index.get(name) {
            Some(&var) => self.get(var),
            None => self.extras.get(name),
        }
    }

    pub(crate) fn set_by_name(&mut self, name: &str, value: Value) {
        match self.index.get(name) {
            Some(&var) => self.set(var, value),
            None => {
                self.extras.insert(name.to_owned(), value);
            }
        }
    }

    pub(crate) fn last_response(&self) -> Option<&str> {
        self.last_response.as_deref()
    }

    pub(crate) fn set_last_response(&mut self, raw: String) {
        self.last_response = Some(raw);
    }

    fn set_response(&mut self, lines: Vec<Item>) {
        let value = Value::from(lines);
        match self.response {
            Some(var) => self.set(var, value),
            None => self.set_by_name(RESPONSE, value),
        }
    }

    fn into_variables(self) -> Variables {
        let mut out = Variables::new();
        for (name, value) in self.names.iter().zip(self.slots) {
            if let Some(value) = value {
                out.set(name.clone(), value);
            }
        }
        for (name, value) in self.extras {
            out.set(name, value);
        }
        out
    }
}

/// What functions may use of the run's settings.
pub(crate) struct RunContext {
    pub(crate) account: Option<Account>,
    options: RunOptions,
}

impl RunContext {
    /// `sys.message`: to the run's sink, else standard output.
    pub(crate) fn message(&self, text: &str) {
        match &self.options.on_message {
            Some(sink) => sink(text),
            None => {
                use std::io::Write as _;
                let mut out = std::io::stdout().lock();
                if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
                    tracing::warn!("sys.message: standard output is closed");
                }
            }
        }
    }
}

/// Where the interpreter is.
enum Frame<'p> {
    Block {
        stmts: &'p [Stmt],
        next: usize,
    },
    Loop {
        stmt: &'p Loop,
        at: Offset,
        state: LoopState,
    },
    Try,
}

enum LoopState {
    /// Walking lists of the same length.
    Lists {
        lists: Vec<Arc<[Item]>>,
        next: usize,
    },
    /// Counting from `next` up to `end`, excluded.
    Range { next: i64, end: i64 },
    /// Repeating while / until a condition.
    Condition,
}

enum Step<'p> {
    Run(&'p Stmt),
    Next,
    Pop,
}

/// One run of a program on a connection.
pub(crate) struct Machine<'p, 'c> {
    program: &'p Program,
    conn: &'c mut dyn Conn,
    store: Store,
    context: RunContext,
    stack: Vec<Value>,
}

impl<'p, 'c> Machine<'p, 'c> {
    pub(crate) fn new(program: &'p Program, conn: &'c mut dyn Conn, options: RunOptions) -> Self {
        let account = options.account.clone().or_else(|| conn.host_account());
        let hostname = conn.hostname();
        let builtins = [
            (
                "__hostname__",
                Value::single(hostname.map_or(Item::from("undefined"), Item::from)),
            ),
            (
                "__username__",
                Value::single(
                    account
                        .as_ref()
                        .map_or(Item::None, |a| Item::from(a.name())),
                ),
            ),
            ("__filename__", Value::from(program.filename.clone())),
        ];
        let store = Store::new(program, &options.variables, builtins);
        Machine {
            program,
            conn,
            store,
            context: RunContext { account, options },
            stack: Vec::new(),
        }
    }

    fn error(&self, at: Offset, message: impl Into<String>) -> Error {
        Error::Runtime {
            location: self.program.source.locate(at),
            message: message.into(),
        }
    }

    fn device_error(&self, at: Offset, source: oxscript_transport::Error) -> Error {
        Error::Device {
            location: self.program.source.locate(at),
            source: Box::new(source),
        }
    }

    /// Runs the program; returns the variables at the end.
    pub(crate) async fn run(mut self) -> Result<Variables> {
        let program = self.program;
        let mut frames: Vec<Frame<'p>> = vec![Frame::Block {
            stmts: &program.body,
            next: 0,
        }];
        loop {
            let step = match frames.last_mut() {
                None => break,
                Some(Frame::Block { stmts, next }) => match stmts.get(*next) {
                    Some(stmt) => {
                        *next += 1;
                        Step::Run(stmt)
                    }
                    None => Step::Pop,
                },
                Some(Frame::Loop { .. }) => Step::Next,
                Some(Frame::Try) => Step::Pop,
            };
            let result = match step {
                Step::Pop => {
                    frames.pop();
                    Ok(())
                }
                Step::Run(stmt) => self.exec(stmt, &mut frames).await,
                Step::Next => self.next_iteration(&mut frames).await,
            };
            if let Err(e) = result {
                if e.is_device_error()
                    && let Some(at) = frames.iter().rposition(|f| matches!(f, Frame::Try))
                {
                    tracing::debug!(error = %e, "error caught by {{try}}");
                    frames.truncate(at);
                    continue;
                }
                return Err(e);
            }
        }
        Ok(self.store.into_variables())
    }

    async fn exec(&mut self, stmt: &'p Stmt, frames: &mut Vec<Frame<'p>>) -> Result<()> {
        let at = stmt.at;
        match &stmt.kind {
            StmtKind::Execute(command) => self.execute(command, at).await,
            StmtKind::Assign { var, expr } => {
                let value = self.eval(expr).await?;
                self.store.set(*var, value);
                Ok(())
            }
            StmtKind::Append { var, expr } => {
                let value = self.eval(expr).await?;
                let Value::List(new) = value else {
                    return Err(self.error(at, "cannot append a regular expression to a list"));
                };
                let mut items = self.list(*var, at)?.to_vec();
                items.extend(new.iter().cloned());
                self.store.set(*var, Value::from(items));
                Ok(())
            }
            StmtKind::Extract {
                regex,
                vars,
                append,
                from,
            } => self.extract(regex, vars, *append, from.as_ref(), at).await,
            StmtKind::If {
                branches,
                otherwise,
            } => {
                for (condition, block) in branches {
                    if self.condition(condition).await? {
                        frames.push(Frame::Block {
                            stmts: block,
                            next: 0,
                        });
                        return Ok(());
                    }
                }
                if let Some(block) = otherwise {
                    frames.push(Frame::Block {
                        stmts: block,
                        next: 0,
                    });
                }
                Ok(())
            }
            StmtKind::Loop(looping) => {
                let state = match &looping.kind {
                    LoopKind::Condition => LoopState::Condition,
                    LoopKind::Lists { lists, .. } => {
                        let mut values = Vec::with_capacity(lists.len());
                        for list in lists {
                            match self.eval(list).await? {
                                Value::List(items) => values.push(items),
                                Value::Regex(_) => {
                                    return Err(self
                                        .error(list.at, "cannot loop over a regular expression"));
                                }
                            }
                        }
                        if values.iter().any(|l| l.len() != values[0].len()) {
                            let lengths: Vec<String> =
                                values.iter().map(|l| l.len().to_string()).collect();
                            return Err(self.error(
                                at,
                                format!(
                                    "all list variables must have the same length (they have {})",
                                    lengths.join(", ")
                                ),
                            ));
                        }
                        LoopState::Lists {
                            lists: values,
                            next: 0,
                        }
                    }
                    LoopKind::Range { from, to, .. } => {
                        let start = self.number(from, "the start of `loop from`").await?;
                        let end = self.number(to, "the end of `loop from … to`").await?;
                        LoopState::Range { next: start, end }
                    }
                };
                frames.push(Frame::Loop {
                    stmt: looping,
                    at,
                    state,
                });
                Ok(())
            }
            StmtKind::Fail { message, condition } => {
                if let Some(condition) = condition
                    && !self.condition(condition).await?
                {
                    return Ok(());
                }
                let message = self.eval(message).await?;
                Err(Error::Fail {
                    location: self.program.source.locate(at),
                    message: message.first().map(Item::to_string).unwrap_or_default(),
                })
            }
            StmtKind::Try(block) => {
                frames.push(Frame::Try);
                frames.push(Frame::Block {
                    stmts: block,
                    next: 0,
                });
                Ok(())
            }
            StmtKind::Call(expr) => {
                self.eval(expr).await?;
                Ok(())
            }
        }
    }

    /// Sets up the next iteration of the loop on top of the frames, or
    /// ends it.
    async fn next_iteration(&mut self, frames: &mut Vec<Frame<'p>>) -> Result<()> {
        let Some(Frame::Loop { stmt, at, state }) = frames.last_mut() else {
            return Ok(());
        };
        let (looping, at) = (*stmt, *at);
        let go_on = match state {
            LoopState::Condition => {
                if let Some(whilst) = &looping.whilst {
                    self.condition(whilst).await?
                } else if let Some(until) = &looping.until {
                    !self.condition(until).await?
                } else {
                    false
                }
            }
            LoopState::Lists { lists, next } => {
                let i = *next;
                if lists.first().is_none_or(|l| i >= l.len()) {
                    false
                } else {
                    *next += 1;
                    let LoopKind::Lists { vars, .. } = &looping.kind else {
                        return Err(
                            self.error(at, "internal error: loop state does not match the loop")
                        );
                    };
                    let items: Vec<Item> = lists.iter().map(|l| l[i].clone()).collect();
                    for (var, item) in vars.iter().zip(items) {
                        self.store.set(*var, Value::single(item));
                    }
                    self.loop_conditions(looping).await?
                }
            }
            LoopState::Range { next, end } => {
                if *next >= *end {
                    false
                } else {
                    let i = *next;
                    *next += 1;
                    if let LoopKind::Range { var, .. } = &looping.kind {
                        self.store.set(*var, Value::from(i));
                    }
                    self.loop_conditions(looping).await?
                }
            }
        };
        if go_on {
            frames.push(Frame::Block {
                stmts: &looping.body,
                next: 0,
            });
        } else {
            frames.pop();
        }
        Ok(())
    }

    /// `until` / `while` of a loop over lists or numbers, checked after
    /// the loop variables are set: whether the body runs.
    async fn loop_conditions(&mut self, looping: &Loop) -> Result<bool> {
        if let Some(until) = &looping.until
            && self.condition(until).await?
        {
            return Ok(false);
        }
        if let Some(whilst) = &looping.whilst
            && !self.condition(whilst).await?
        {
            return Ok(false);
        }
        Ok(true)
    }

    fn list(&self, var: VarId, at: Offset) -> Result<Arc<[Item]>> {
        match self.store.get(var) {
            Some(Value::List(items)) => Ok(Arc::clone(items)),
            Some(Value::Regex(_)) => Err(self.error(
                at,
                format!(
                    "variable `{}` holds a regular expression, not a list",
                    self.store.name(var)
                ),
            )),
            None => Err(self.error(at, format!("undefined variable `{}`", self.store.name(var)))),
        }
    }

    // ----- commands --------------------------------------------------------------

    async fn execute(&mut self, command: &Interp, at: Offset) -> Result<()> {
        let text = self.interpolate(command)?;
        let command = text.trim_start();
        if self.program.paste {
            self.conn
                .send_line(command)
                .await
                .map_err(|e| self.device_error(at, e))?;
            self.store.set_response(vec![Item::from("")]);
            return Ok(());
        }
        let reply = self
            .conn
            .execute(command)
            .await
            .map_err(|e| self.device_error(at, e))?;
        let mut lines = response_lines(&reply.raw);
        if self.program.strip_command && !lines.is_empty() {
            lines.remove(0);
        }
        if lines.is_empty() {
            lines.push(Item::from(""));
        }
        self.store.set_response(lines);
        if let Some(observer) = &self.context.options.on_command {
            observer(&CommandOutput {
                command,
                text: &reply.text,
            });
        }
        self.store.set_last_response(reply.raw);
        if let Some(check) = self.context.options.after_command.clone()
            && let Some(session) = self.conn.session()
        {
            check(session, command)
                .await
                .map_err(|e| self.device_error(at, e))?;
        }
        Ok(())
    }

    async fn extract(
        &mut self,
        regex: &RegexExpr,
        vars: &[VarId],
        append: bool,
        from: Option<&Expr>,
        at: Offset,
    ) -> Result<()> {
        let lines = match from {
            Some(expr) => match self.eval(expr).await? {
                Value::List(items) => items,
                Value::Regex(_) => {
                    return Err(self.error(at, "cannot extract from a regular expression"));
                }
            },
            None => match self.store.get_by_name(RESPONSE) {
                Some(Value::List(items)) => Arc::clone(items),
                _ => Arc::from(Vec::new()),
            },
        };
        let regex = self.regex(regex, at)?;
        if regex.groups() < vars.len() {
            return Err(self.error(
                at,
                format!(
                    "extract into {} variables, but the regular expression has {} group(s)",
                    vars.len(),
                    regex.groups()
                ),
            ));
        }
        let matcher = regex
            .regex()
            .map_err(|e| self.error(at, format!("regular expression /{}/: {e}", regex.source())))?;
        let mut columns: Vec<Vec<Item>> = vec![Vec::new(); vars.len()];
        for line in lines.iter() {
            let text = line.to_string();
            let Some(caps) = matcher.captures(&text) else {
                continue;
            };
            for (i, column) in columns.iter_mut().enumerate() {
                column.push(
                    caps.get(i + 1)
                        .map_or(Item::None, |m| Item::from(m.as_str())),
                );
            }
        }
        for (var, column) in vars.iter().zip(columns) {
            let value = if append {
                let mut items = self.list(*var, at)?.to_vec();
                items.extend(column);
                items
            } else {
                column
            };
            self.store.set(*var, Value::from(value));
        }
        Ok(())
    }

    // ----- expressions -----------------------------------------------------------

    /// Whether an expression holds: its first item is true (an empty list
    /// is false).
    async fn condition(&mut self, expr: &Expr) -> Result<bool> {
        match self.eval(expr).await? {
            Value::List(items) => Ok(items.first().is_some_and(Item::is_truthy)),
            Value::Regex(_) => Err(self.error(
                expr.at,
                "a regular expression is not a condition (use `matches`)",
            )),
        }
    }

    async fn number(&mut self, expr: &Expr, what: &str) -> Result<i64> {
        let at = expr.at;
        let value = self.eval(expr).await?;
        let item = scalar(&value).map_err(|m| self.error(at, m))?;
        item.to_int()
            .ok_or_else(|| self.error(at, format!("{what} is not a number: `{item}`")))
    }

    async fn eval(&mut self, expr: &Expr) -> Result<Value> {
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        let result = self.eval_with(&expr.ops, expr.at, &mut stack).await;
        self.stack = stack;
        result
    }

    async fn eval_with(
        &mut self,
        ops: &[Op],
        expr_at: Offset,
        stack: &mut Vec<Value>,
    ) -> Result<Value> {
        let mut pc = 0;
        while let Some(op) = ops.get(pc) {
            pc += 1;
            match op {
                Op::Const(value) => stack.push(value.clone()),
                Op::Str(interp) => stack.push(Value::from(self.interpolate(interp)?)),
                Op::Regex(regex) => stack.push(Value::Regex(self.regex(regex, expr_at)?)),
                Op::Var { var, at } => match self.store.get(*var) {
                    Some(value) => stack.push(value.clone()),
                    None => {
                        return Err(self.error(
                            *at,
                            format!("undefined variable `{}`", self.store.name(*var)),
                        ));
                    }
                },
                Op::Call { func, argc, at } => {
                    let args = stack.split_off(stack.len().saturating_sub(*argc));
                    let value = self.call(*func, args, *at).await?;
                    stack.push(value);
                }
                Op::Binary { op, at } => {
                    let (Some(right), Some(left)) = (stack.pop(), stack.pop()) else {
                        return Err(self.error(*at, "internal error: operand missing"));
                    };
                    let value = binary(*op, &left, &right).map_err(|m| self.error(*at, m))?;
                    stack.push(value);
                }
                Op::Not => {
                    let value = stack.pop().unwrap_or_else(Value::empty);
                    let item = scalar(&value).map_err(|m| self.error(expr_at, m))?;
                    stack.push(Value::single(!item.is_truthy()));
                }
                Op::ShortCircuit { and, end } => {
                    let value = stack.pop().unwrap_or_else(Value::empty);
                    let item = scalar(&value).map_err(|m| self.error(expr_at, m))?;
                    if item.is_truthy() != *and {
                        stack.push(Value::single(item));
                        pc = *end;
                    }
                }
                Op::LogicEnd => {
                    let value = stack.pop().unwrap_or_else(Value::empty);
                    let item = scalar(&value).map_err(|m| self.error(expr_at, m))?;
                    stack.push(Value::single(item));
                }
            }
        }
        Ok(stack.pop().unwrap_or_else(Value::empty))
    }

    async fn call(&mut self, func: usize, args: Vec<Value>, at: Offset) -> Result<Value> {
        let functions = Arc::clone(&self.program.functions);
        let Some(entry) = functions.entry(func) else {
            return Err(self.error(at, "internal error: unknown function"));
        };
        let mut call = Call {
            conn: &mut *self.conn,
            store: &mut self.store,
            context: &self.context,
            name: &entry.name,
        };
        let result = match &entry.kind {
            Kind::Builtin(builtin) => stdlib::call(*builtin, &mut call, args).await,
            Kind::Custom(function) => function.call(&mut call, args).await,
        };
        result.map_err(|e| match e {
            FunctionError::Message(m) => self.error(at, format!("{}: {m}", entry.name)),
            FunctionError::Device(e) => self.device_error(at, e),
        })
    }

    /// A string with its variables replaced: a list's items go one per
    /// line; a variable assigned later in the template and not yet is
    /// `None`, as in Exscript.
    fn interpolate(&self, interp: &Interp) -> Result<String> {
        let mut out = String::new();
        for part in &interp.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Var { var, at } => match self.store.get(*var) {
                    Some(Value::List(items)) => {
                        for (i, item) in items.iter().enumerate() {
                            if i > 0 {
                                out.push('\n');
                            }
                            if *item == Item::None {
                                tracing::warn!(
                                    variable = self.store.name(*var),
                                    "variable used before it was assigned: `None` inserted, as Exscript does"
                                );
                            }
                            out.push_str(&item.to_string());
                        }
                    }
                    Some(Value::Regex(re)) => out.push_str(re.source()),
                    None => {
                        return Err(self.error(
                            *at,
                            format!("undefined variable `{}`", self.store.name(*var)),
                        ));
                    }
                },
            }
        }
        Ok(out)
    }

    fn regex(&self, regex: &RegexExpr, at: Offset) -> Result<Arc<TemplateRegex>> {
        match regex {
            RegexExpr::Static(re) => Ok(Arc::clone(re)),
            RegexExpr::Dynamic {
                pattern,
                ignore_case,
            } => {
                let source = self.interpolate(pattern)?;
                TemplateRegex::new(&source, *ignore_case)
                    .map(Arc::new)
                    .map_err(|e| {
                        self.error(at, format!("invalid regular expression /{source}/: {e}"))
                    })
            }
        }
    }
}

/// The first item of a list, or an empty string for an empty list (how
/// Exscript's operators read a list).
fn scalar(value: &Value) -> std::result::Result<Item, String> {
    match value {
        Value::List(items) => Ok(items.first().cloned().unwrap_or_else(|| Item::from(""))),
        Value::Regex(_) => Err("a regular expression cannot be used as a value here".into()),
    }
}

/// A binary operator on two values, as Exscript computes it.
fn binary(op: BinOp, left: &Value, right: &Value) -> std::result::Result<Value, String> {
    if op == BinOp::Matches {
        let Value::Regex(re) = right else {
            return Err("the right operand of `matches` is not a regular expression".into());
        };
        let Value::List(items) = left else {
            return Err("the left operand of `matches` is a regular expression".into());
        };
        let matcher = re
            .regex()
            .map_err(|e| format!("regular expression /{}/: {e}", re.source()))?;
        let found = items.iter().any(|item| matcher.is_match(&item.to_string()));
        return Ok(Value::from(i64::from(found)));
    }
    let l = scalar(left)?;
    if matches!(op, BinOp::In | BinOp::NotIn) {
        let Value::List(items) = right else {
            return Err(format!(
                "the right operand of `{}` is a regular expression",
                op.symbol()
            ));
        };
        let found = items.iter().any(|item| l.py_eq(item));
        return Ok(Value::from(found == (op == BinOp::In)));
    }
    let r = scalar(right)?;
    let number = |item: &Item| {
        item.to_int()
            .ok_or_else(|| format!("operand for {} is not a number: `{item}`", op.symbol()))
    };
    let overflow = || format!("integer overflow in `{}`", op.symbol());
    let result = match op {
        BinOp::Is => Item::Bool(l.py_eq(&r)),
        BinOp::IsNot => Item::Bool(!l.py_eq(&r)),
        BinOp::Concat => Item::from(format!("{l}{r}")),
        BinOp::Ge => Item::Bool(number(&l)? >= number(&r)?),
        BinOp::Gt => Item::Bool(number(&l)? > number(&r)?),
        BinOp::Le => Item::Bool(number(&l)? <= number(&r)?),
        BinOp::Lt => Item::Bool(number(&l)? < number(&r)?),
        BinOp::Add => Item::Int(number(&l)?.checked_add(number(&r)?).ok_or_else(overflow)?),
        BinOp::Sub => Item::Int(number(&l)?.checked_sub(number(&r)?).ok_or_else(overflow)?),
        BinOp::Mul => Item::Int(number(&l)?.checked_mul(number(&r)?).ok_or_else(overflow)?),
        BinOp::Div | BinOp::Mod => {
            let (a, b) = (number(&l)?, number(&r)?);
            if b == 0 {
                return Err(format!("division by zero in `{}`", op.symbol()));
            }
            // Python's floor division and modulo (the sign of the divisor).
            let q = a.checked_div(b).ok_or_else(overflow)?;
            let rem = a - q * b;
            let (q, rem) = if rem != 0 && ((rem < 0) != (b < 0)) {
                (q - 1, rem + b)
            } else {
                (q, rem)
            };
            Item::Int(if op == BinOp::Div { q } else { rem })
        }
        BinOp::Matches | BinOp::In | BinOp::NotIn => {
            return Err("internal error: operator handled above".into());
        }
    };
    Ok(Value::single(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: Value) -> i64 {
        match v.first() {
            Some(Item::Int(i)) => *i,
            other => panic!("not an int: {other:?}"),
        }
    }

    #[test]
    fn python_arithmetic() {
        let n = |i: i64| Value::from(i);
        assert_eq!(int(binary(BinOp::Div, &n(-7), &n(2)).unwrap()), -4);
        assert_eq!(int(binary(BinOp::Mod, &n(-7), &n(2)).unwrap()), 1);
        assert_eq!(int(binary(BinOp::Mod, &n(7), &n(-2)).unwrap()), -1);
        assert_eq!(int(binary(BinOp::Div, &n(7), &n(2)).unwrap()), 3);
        assert!(
            binary(BinOp::Div, &n(1), &n(0))
                .unwrap_err()
                .contains("division by zero")
        );
        assert!(
            binary(BinOp::Mul, &n(i64::MAX), &n(2))
                .unwrap_err()
                .contains("overflow")
        );
        assert_eq!(
            int(binary(BinOp::Add, &Value::from(" 20"), &n(1)).unwrap()),
            21
        );
        assert!(
            binary(BinOp::Add, &Value::from("abc"), &n(1))
                .unwrap_err()
                .contains("not a number")
        );
        assert_eq!(
            int(binary(BinOp::Add, &Value::empty(), &n(1)).unwrap_or(n(-1))),
            -1
        );
    }
}
