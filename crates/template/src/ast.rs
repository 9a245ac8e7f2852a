//! The compiled form of a template: statements in nested blocks,
//! expressions in postfix order (evaluated with a value stack, so deep
//! expressions need no recursion), variables as slots.

use std::sync::Arc;

use crate::pyre::TemplateRegex;
use crate::value::Value;

/// A variable's slot.
pub(crate) type VarId = usize;

/// A function's index in the template's function table.
pub(crate) type FuncId = usize;

/// A byte offset in the template source.
pub(crate) type Offset = usize;

/// What a variable holds when a run starts and nobody passed a value for
/// it: what Exscript's parser defined for it last, in source order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Initial {
    /// Never defined by the template (only known because it was declared
    /// when compiling): reading it is an error.
    Undefined,
    /// Assigned by the template (`{x = …}`): `[None]` until assigned.
    NoneValue,
    /// Filled by `extract`, `append` or a loop: the empty list.
    Empty,
}

/// A variable of the template.
#[derive(Clone, Debug)]
pub(crate) struct VarInfo {
    pub(crate) name: String,
    pub(crate) initial: Initial,
}

pub(crate) type Block = Vec<Stmt>;

/// A statement and where it starts.
#[derive(Debug)]
pub(crate) struct Stmt {
    pub(crate) kind: StmtKind,
    pub(crate) at: Offset,
}

#[derive(Debug)]
pub(crate) enum StmtKind {
    /// A line of text: sent, and its response awaited.
    Execute(Interp),
    Assign {
        var: VarId,
        expr: Expr,
    },
    Append {
        var: VarId,
        expr: Expr,
    },
    Extract {
        regex: RegexExpr,
        vars: Vec<VarId>,
        /// `into` (true) or `as` (false).
        append: bool,
        from: Option<Expr>,
    },
    If {
        /// `if` and each `else if`, in order.
        branches: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    Loop(Box<Loop>),
    Fail {
        message: Expr,
        condition: Option<Expr>,
    },
    Try(Block),
    /// A function called for its effect.
    Call(Expr),
}

#[derive(Debug)]
pub(crate) struct Loop {
    pub(crate) kind: LoopKind,
    pub(crate) whilst: Option<Expr>,
    pub(crate) until: Option<Expr>,
    pub(crate) body: Block,
}

#[derive(Debug)]
pub(crate) enum LoopKind {
    /// `loop a, b as x, y`.
    Lists { lists: Vec<Expr>, vars: Vec<VarId> },
    /// `loop from N to M [as i]` (M excluded, as in Exscript).
    Range { from: Expr, to: Expr, var: VarId },
    /// `loop while …` / `loop until …`.
    Condition,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Mul,
    Div,
    Mod,
    Add,
    Sub,
    Concat,
    Is,
    IsNot,
    In,
    NotIn,
    Matches,
    Ge,
    Gt,
    Le,
    Lt,
}

impl BinOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Concat => ".",
            BinOp::Is => "is",
            BinOp::IsNot => "is not",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Matches => "matches",
            BinOp::Ge => "ge",
            BinOp::Gt => "gt",
            BinOp::Le => "le",
            BinOp::Lt => "lt",
        }
    }
}

/// One step of an expression in postfix order.
#[derive(Debug)]
pub(crate) enum Op {
    Const(Value),
    Str(Interp),
    Regex(RegexExpr),
    Var {
        var: VarId,
        at: Offset,
    },
    Call {
        func: FuncId,
        argc: usize,
        at: Offset,
    },
    Binary {
        op: BinOp,
        at: Offset,
    },
    Not,
    /// `and` / `or` after their left operand: decides whether the right
    /// one is evaluated, jumping to `end` (past the matching
    /// [`Op::LogicEnd`]) when not.
    ShortCircuit {
        and: bool,
        end: usize,
    },
    /// After the right operand of `and` / `or`.
    LogicEnd,
}

/// An expression.
#[derive(Debug)]
pub(crate) struct Expr {
    pub(crate) ops: Vec<Op>,
    pub(crate) at: Offset,
}

/// A string with `$variables` in it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Interp {
    pub(crate) parts: Vec<Part>,
}

#[derive(Clone, Debug)]
pub(crate) enum Part {
    Text(String),
    Var { var: VarId, at: Offset },
}

impl Interp {
    /// The text, when it has no variables.
    pub(crate) fn as_constant(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Var { .. } => return None,
            }
        }
        Some(out)
    }
}

/// A regular expression literal.
#[derive(Clone, Debug)]
pub(crate) enum RegexExpr {
    /// Compiled with the template.
    Static(Arc<TemplateRegex>),
    /// Has `$variables`: compiled when evaluated.
    Dynamic { pattern: Interp, ignore_case: bool },
}
