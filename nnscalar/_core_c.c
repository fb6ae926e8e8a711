/* The compiled core's nodes: `Value` as a C struct, its ops, backward and the fused sums.
 *
 * The readable engine (nnscalar/engine.py) is the specification: every op computes its value and
 * its local derivatives with the same floating-point operations in the same order (build with
 * -ffp-contract=off), so values and gradients agree bit for bit. Errors are built by the shared
 * pure-Python helpers (called through nnscalar/_core.py) and only on the error path.
 *
 * Layout. A node is one block: the fields below, then its n parents (owned pointers), then their
 * n local derivatives (doubles). A leaf has n = 0: 64 bytes. A node points only at its parents
 * (and its `arg`), never at its children: no reference cycles, so nodes are not tracked by the
 * cyclic garbage collector and die by reference counting; a long chain is freed by a loop, not by
 * recursion (see Value_dealloc).
 *
 * Why plain C (not Cython): the speed is in the data layout (one allocation per node, parents and
 * derivatives inline, an index-free walk with a mark in the node), which C states directly; the
 * build needs only a C compiler (no Cython at install time, nothing generated to read), and
 * compiling the readable engine itself with Cython gave only 1.5x (issue 14).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct Value {
    PyObject_HEAD
    double data;
    double grad;
    PyObject *op;    /* str; "" for a leaf */
    PyObject *label; /* any object the user set; NULL means "" */
    PyObject *arg;   /* the op's constant or parameter; NULL means None */
    uint32_t n;      /* number of parents */
    uint32_t mark;   /* walk state: 0 between walks, ENTERED or DONE during one */
} Value;

#define PARENTS(v) ((Value **)((char *)(v) + sizeof(Value)))
#define LOCALS(v) ((double *)(PARENTS(v) + (v)->n))
#define ENTERED 1u
#define DONE 2u

static PyTypeObject ValueType;
#define IS_VALUE(o) Py_IS_TYPE((o), &ValueType)

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* ---- the pure-Python side: error messages and number checks ------------------------------ */

static PyObject *helpers; /* nnscalar._core, which installs itself */

static PyObject *call_helper(const char *name, const char *format, ...) {
    if (helpers == NULL) {
        PyErr_SetString(PyExc_ImportError, "nnscalar._core_c: helpers not installed");
        return NULL;
    }
    PyObject *fn = PyObject_GetAttrString(helpers, name);
    if (fn == NULL) return NULL;
    va_list va;
    va_start(va, format);
    PyObject *args = Py_VaBuildValue(format, va);
    va_end(va);
    if (args == NULL) {
        Py_DECREF(fn);
        return NULL;
    }
    if (!PyTuple_Check(args)) {
        PyObject *t = PyTuple_Pack(1, args);
        Py_DECREF(args);
        if (t == NULL) {
            Py_DECREF(fn);
            return NULL;
        }
        args = t;
    }
    PyObject *result = PyObject_Call(fn, args, NULL);
    Py_DECREF(fn);
    Py_DECREF(args);
    return result;
}

/* Raise the exception instance a helper returned (or whatever the helper itself raised). */
static void *raise_from(PyObject *exc) {
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* A plain-number operand as a double: exact finite floats and ints here, the rest (and every
 * refusal) by the helper `_constant(x, op, value)`. *kept is a new reference to the float object
 * the node keeps as its `arg`. Returns -1 with an exception set. */
static int constant(PyObject *x, const char *op, Value *value, double *out, PyObject **kept) {
    if (PyFloat_CheckExact(x)) {
        double c = PyFloat_AS_DOUBLE(x);
        if (isfinite(c)) {
            *out = c;
            Py_INCREF(x);
            *kept = x;
            return 0;
        }
    }
    PyObject *f = call_helper("_constant", "(OsO)", x, op, value ? (PyObject *)value : Py_None);
    if (f == NULL) return -1;
    *out = PyFloat_AsDouble(f);
    *kept = f;
    return 0;
}

/* The other operand of + - * / **: as engine.py, a float is taken as it is (a non-finite one is
 * then named by the node's finite check); anything else goes through constant(). */
static int operand(PyObject *x, const char *op, Value *value, double *out, PyObject **kept) {
    if (PyFloat_CheckExact(x)) {
        double c = PyFloat_AS_DOUBLE(x);
        {
            *out = c;
            Py_INCREF(x);
            *kept = x;
            return 0;
        }
    }
    PyObject *f = call_helper("_constant", "(OsO)", x, op, value ? (PyObject *)value : Py_None);
    if (f == NULL) return -1;
    *out = PyFloat_AsDouble(f);
    *kept = f;
    return 0;
}

/* `x` as a finite double, else the helper's error: `_number(x, where, label)`. */
static int number(PyObject *x, const char *where, double *out) {
    if (PyFloat_CheckExact(x) && isfinite(PyFloat_AS_DOUBLE(x))) {
        *out = PyFloat_AS_DOUBLE(x);
        return 0;
    }
    PyObject *f = call_helper("_number", "(Os)", x, where);
    if (f == NULL) return -1;
    *out = PyFloat_AsDouble(f);
    Py_DECREF(f);
    return 0;
}

/* The overflow/non-finite error for `op` with these operands (a new tuple, stolen). */
static void *overflow(PyObject *op, PyObject *operands, PyObject *data) {
    if (operands == NULL) return NULL;
    PyObject *exc = call_helper("_overflow", "(OOO)", op, operands, data ? data : Py_None);
    Py_DECREF(operands);
    return raise_from(exc);
}

static void *domain(const char *op, PyObject *operands, const char *why, const char *valid) {
    if (operands == NULL) return NULL;
    PyObject *exc = call_helper("_domain", "(sOss)", op, operands, why, valid);
    Py_DECREF(operands);
    return raise_from(exc);
}

static void *infinite_slope(const char *op, PyObject *operands) {
    if (operands == NULL) return NULL;
    PyObject *exc = call_helper("_infinite_slope", "(sO)", op, operands);
    Py_DECREF(operands);
    return raise_from(exc);
}

/* ---- grad mode: no_grad() blocks, per thread ------------------------------------------- */

static long no_grad_blocks; /* open no_grad blocks in any thread; 0 nearly always */
static Py_tss_t grad_off = Py_tss_NEEDS_INIT; /* non-NULL in a thread inside no_grad */

static int recording(void) {
    return no_grad_blocks == 0 || PyThread_tss_get(&grad_off) == NULL;
}

/* ---- nodes ------------------------------------------------------------------------------ */

static PyObject *OP_LEAF, *OP_ADD, *OP_SUB, *OP_RSUB, *OP_MUL, *OP_DIV, *OP_RDIV, *OP_POW,
    *OP_RPOW, *OP_NEG, *OP_ABS, *OP_EXP, *OP_LOG, *OP_SQRT, *OP_TANH, *OP_SIGMOID, *OP_RELU,
    *OP_LEAKY, *OP_ELU, *OP_SOFTPLUS, *OP_SIN, *OP_COS, *OP_SUM, *OP_WSUM;

/* A new node with room for n parents (filled by the caller); op and arg are stolen. */
static Value *alloc_node(uint32_t n, double data, PyObject *op, PyObject *arg) {
    size_t size = sizeof(Value) + (size_t)n * (sizeof(Value *) + sizeof(double));
    Value *v = (Value *)PyObject_Malloc(size);
    if (v == NULL) {
        Py_XDECREF(op);
        Py_XDECREF(arg);
        return (Value *)PyErr_NoMemory();
    }
    PyObject_Init((PyObject *)v, &ValueType);
    v->data = data;
    v->grad = 0.0;
    v->op = op;
    v->label = NULL;
    v->arg = arg;
    v->n = n;
    v->mark = 0;
    return v;
}

static Value *leaf(double data) {
    Py_INCREF(OP_LEAF);
    return alloc_node(0, data, OP_LEAF, NULL);
}

/* The operands of a would-be node for an error message: its parents, then its constant. */
static PyObject *operands1(Value *a, PyObject *c) {
    return c ? PyTuple_Pack(2, (PyObject *)a, c) : PyTuple_Pack(1, (PyObject *)a);
}

/* A node of one parent `a` (local derivative da) and the op's constant `c` (stolen, may be
 * NULL). Checks that the result is finite; inside no_grad() a bare leaf. */
static PyObject *node1(double data, PyObject *op, Value *a, double da, PyObject *c) {
    if (!isfinite(data)) {
        PyObject *d = PyFloat_FromDouble(data);
        overflow(op, operands1(a, c), d);
        Py_XDECREF(d);
        Py_XDECREF(c);
        return NULL;
    }
    if (!recording()) {
        Py_XDECREF(c);
        return (PyObject *)leaf(data);
    }
    Py_INCREF(op);
    Value *v = alloc_node(1, data, op, c);
    if (v == NULL) return NULL;
    Py_INCREF(a);
    PARENTS(v)[0] = a;
    LOCALS(v)[0] = da;
    return (PyObject *)v;
}

static PyObject *node2(double data, PyObject *op, Value *a, double da, Value *b, double db) {
    if (!isfinite(data)) {
        PyObject *d = PyFloat_FromDouble(data);
        overflow(op, PyTuple_Pack(2, (PyObject *)a, (PyObject *)b), d);
        Py_XDECREF(d);
        return NULL;
    }
    if (!recording()) return (PyObject *)leaf(data);
    Py_INCREF(op);
    Value *v = alloc_node(2, data, op, NULL);
    if (v == NULL) return NULL;
    Py_INCREF(a);
    Py_INCREF(b);
    PARENTS(v)[0] = a;
    PARENTS(v)[1] = b;
    LOCALS(v)[0] = da;
    LOCALS(v)[1] = db;
    return (PyObject *)v;
}

/* Python's float ** float for the cases the ops leave to it (base != 0, no non-integer power of
 * a negative base), step for step as CPython's float_pow. Returns -1 on overflow. */
static int float_pow(double iv, double iw, double *out) {
    int negate = 0;
    if (iw == 0.0) {
        *out = 1.0;
        return 0;
    }
    if (isnan(iv)) {
        *out = iv;
        return 0;
    }
    if (isnan(iw)) {
        *out = iv == 1.0 ? 1.0 : iw;
        return 0;
    }
    if (isinf(iw) || isinf(iv) || iv == 0.0) {
        /* not reached with finite operands and a nonzero base; keep Python's answer anyway */
        PyObject *a = PyFloat_FromDouble(iv), *b = PyFloat_FromDouble(iw), *r = NULL;
        if (a && b) r = PyNumber_Power(a, b, Py_None);
        Py_XDECREF(a);
        Py_XDECREF(b);
        if (r == NULL) {
            PyErr_Clear();
            return -1;
        }
        *out = PyFloat_AsDouble(r);
        Py_DECREF(r);
        return 0;
    }
    if (iv < 0.0) {
        iv = -iv;
        negate = fmod(iw, 2.0) != 0.0; /* an odd integer (iw is an integer here) */
    }
    if (iv == 1.0) {
        *out = negate ? -1.0 : 1.0;
        return 0;
    }
    double ix = pow(iv, iw);
    if (negate) ix = -ix;
    if (isinf(ix)) return -1;
    *out = ix;
    return 0;
}

/* _checks.pow_slope: a ** e as C's pow gives it, ±inf where Python raises OverflowError. */
static double pow_slope(double a, double e) {
    double r;
    if (float_pow(a, e, &r) == 0) return r;
    double m = fmod(e, 2.0); /* Python's e % 2.0 */
    if (m != 0.0 && m < 0.0) m += 2.0;
    return (a < 0.0 && m == 1.0) ? -INFINITY : INFINITY;
}

/* ---- arithmetic ------------------------------------------------------------------------- */

/* The Value and the other operand of a binary op called either way round; *swapped when the
 * Value is on the right (other + self). */
#define ORIENT(x, y, self, other, swapped)                                                     \
    Value *self;                                                                               \
    PyObject *other;                                                                           \
    int swapped;                                                                               \
    if (IS_VALUE(x)) {                                                                         \
        self = (Value *)(x);                                                                   \
        other = (y);                                                                           \
        swapped = 0;                                                                           \
    } else {                                                                                   \
        self = (Value *)(y);                                                                   \
        other = (x);                                                                           \
        swapped = 1;                                                                           \
    }

static PyObject *Value_add(PyObject *x, PyObject *y) {
    ORIENT(x, y, self, other, swapped);
    if (IS_VALUE(other)) {
        Value *b = (Value *)other;
        return node2(self->data + b->data, OP_ADD, self, 1.0, b, 1.0);
    }
    double c;
    PyObject *kept;
    if (operand(other, "+", self, &c, &kept) < 0) return NULL;
    if (swapped) return node1(c + self->data, OP_ADD, self, 1.0, kept);
    return node1(self->data + c, OP_ADD, self, 1.0, kept);
}

static PyObject *Value_sub(PyObject *x, PyObject *y) {
    ORIENT(x, y, self, other, swapped);
    if (IS_VALUE(other)) { /* both Values: x - y */
        Value *a = (Value *)x, *b = (Value *)y;
        return node2(a->data - b->data, OP_SUB, a, 1.0, b, -1.0);
    }
    double c;
    PyObject *kept;
    if (operand(other, "-", self, &c, &kept) < 0) return NULL;
    if (swapped) return node1(c - self->data, OP_RSUB, self, -1.0, kept);
    return node1(self->data - c, OP_SUB, self, 1.0, kept);
}

static PyObject *Value_mul(PyObject *x, PyObject *y) {
    ORIENT(x, y, self, other, swapped);
    if (IS_VALUE(other)) {
        Value *a = (Value *)x, *b = (Value *)y;
        return node2(a->data * b->data, OP_MUL, a, b->data, b, a->data);
    }
    double c;
    PyObject *kept;
    if (operand(other, "*", self, &c, &kept) < 0) return NULL;
    if (swapped) return node1(c * self->data, OP_MUL, self, c, kept);
    return node1(self->data * c, OP_MUL, self, c, kept);
}

static PyObject *Value_truediv(PyObject *x, PyObject *y) {
    ORIENT(x, y, self, other, swapped);
    if (IS_VALUE(other)) {
        Value *a = (Value *)x, *b = (Value *)y;
        double bd = b->data;
        if (bd == 0.0)
            return domain("/", PyTuple_Pack(2, x, y), "division by zero", "a nonzero divisor");
        double out = a->data / bd;
        return node2(out, OP_DIV, a, 1.0 / bd, b, -out / bd);
    }
    double c;
    PyObject *kept;
    if (operand(other, "/", self, &c, &kept) < 0) return NULL;
    if (swapped) { /* c / self */
        double a = self->data;
        if (a == 0.0)
            return domain("/", Py_BuildValue("(NO)", kept, (PyObject *)self), "division by zero",
                          "a nonzero divisor");
        double out = c / a;
        return node1(out, OP_RDIV, self, -out / a, kept);
    }
    if (c == 0.0)
        return domain("/", Py_BuildValue("(ON)", (PyObject *)self, kept), "division by zero",
                      "a nonzero divisor");
    return node1(self->data / c, OP_DIV, self, 1.0 / c, kept);
}

static PyObject *power_of_values(Value *base, Value *exponent) {
    double a = base->data, b = exponent->data, out;
    if (a > 0.0) {
        if (float_pow(a, b, &out) < 0)
            return overflow(OP_POW, PyTuple_Pack(2, base, exponent), NULL);
        return node2(out, OP_POW, base, b * pow_slope(a, b - 1.0), exponent, out * log(a));
    }
    if (a == 0.0 && b > 0.0) {
        if (b < 1.0) return infinite_slope("**", PyTuple_Pack(2, base, exponent));
        return node2(0.0, OP_POW, base, b == 1.0 ? 1.0 : 0.0, exponent, 0.0);
    }
    return raise_from(call_helper("_base_not_positive", "(OO)", base, exponent));
}

static PyObject *power_of_zero(Value *base, double b, PyObject *kept) {
    double local;
    if (b < 0.0)
        return domain("**", Py_BuildValue("(ON)", (PyObject *)base, kept),
                      "0 to a negative power divides by zero", "a base \xe2\x89\xa0 0");
    if (b == 1.0)
        local = 1.0;
    else if (b > 1.0 || b == 0.0 || !recording())
        local = 0.0;
    else
        return infinite_slope("**", Py_BuildValue("(ON)", (PyObject *)base, kept));
    /* 0.0 ** b in Python: 1 for b = 0, else 0.0 (or -0.0 for a negative zero to an odd power) */
    double out;
    if (b == 0.0)
        out = 1.0;
    else
        out = (base->data == 0.0 && signbit(base->data) && fmod(b, 2.0) == 1.0) ? base->data : 0.0;
    return node1(out, OP_POW, base, local, kept);
}

static PyObject *Value_pow(PyObject *x, PyObject *y, PyObject *z) {
    if (z != Py_None) Py_RETURN_NOTIMPLEMENTED;
    ORIENT(x, y, self, other, swapped);
    if (IS_VALUE(other)) return power_of_values((Value *)x, (Value *)y);
    double c, out;
    PyObject *kept;
    if ((swapped ? constant : operand)(other, "**", self, &c, &kept) < 0) return NULL;
    double a = self->data;
    if (swapped) { /* c ** self */
        if (c > 0.0) {
            if (float_pow(c, a, &out) < 0)
                return overflow(OP_POW, Py_BuildValue("(NO)", kept, (PyObject *)self), NULL);
            return node1(out, OP_RPOW, self, out * log(c), kept);
        }
        if (c == 0.0 && a > 0.0) return node1(0.0, OP_RPOW, self, 0.0, kept);
        raise_from(call_helper("_base_not_positive", "(OO)", kept, (PyObject *)self));
        Py_DECREF(kept);
        return NULL;
    }
    double b = c;
    if (a == 0.0) return power_of_zero(self, b, kept);
    if (a < 0.0 && fmod(b, 1.0) != 0.0) {
        raise_from(call_helper("_negative_base", "(OO)", (PyObject *)self, kept));
        Py_DECREF(kept);
        return NULL;
    }
    if (float_pow(a, b, &out) < 0)
        return overflow(OP_POW, Py_BuildValue("(ON)", (PyObject *)self, kept), NULL);
    return node1(out, OP_POW, self, b * pow_slope(a, b - 1.0), kept); /* b·a^(b−1) */
}

static PyObject *Value_neg(PyObject *x) {
    Value *a = (Value *)x;
    return node1(-a->data, OP_NEG, a, -1.0, NULL);
}

static PyObject *Value_pos(PyObject *x) { return Py_NewRef(x); }

static PyObject *Value_abs(PyObject *x) {
    Value *v = (Value *)x;
    double a = v->data;
    double sign = a > 0.0 ? 1.0 : a < 0.0 ? -1.0 : 0.0; /* at 0 the slope is 0, as PyTorch */
    return node1(fabs(a), OP_ABS, v, sign, NULL);
}

static PyObject *Value_float(PyObject *x) { return PyFloat_FromDouble(((Value *)x)->data); }

/* ---- functions ------------------------------------------------------------------------- */

static double sigmoid(double x) {
    if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

static PyObject *Value_exp(PyObject *x, PyObject *unused) {
    Value *v = (Value *)x;
    double out = exp(v->data);
    if (isinf(out) && isfinite(v->data)) return overflow(OP_EXP, PyTuple_Pack(1, x), NULL);
    return node1(out, OP_EXP, v, out, NULL);
}

static PyObject *Value_log(PyObject *x, PyObject *unused) {
    Value *v = (Value *)x;
    double a = v->data;
    if (a <= 0.0)
        return domain("log", PyTuple_Pack(1, x), "log is only defined for positive numbers",
                      "x > 0");
    return node1(log(a), OP_LOG, v, 1.0 / a, NULL);
}

static PyObject *Value_sqrt(PyObject *x, PyObject *unused) {
    Value *v = (Value *)x;
    double a = v->data;
    if (a < 0.0) return domain("sqrt", PyTuple_Pack(1, x), "sqrt of a negative number", "x >= 0");
    if (a == 0.0) {
        if (recording()) return infinite_slope("sqrt", PyTuple_Pack(1, x));
        return node1(0.0, OP_SQRT, v, 0.0, NULL);
    }
    double out = sqrt(a);
    return node1(out, OP_SQRT, v, 0.5 / out, NULL);
}

static PyObject *Value_tanh(PyObject *x, PyObject *unused) {
    Value *v = (Value *)x;
    double t = tanh(v->data);
    return node1(t, OP_TANH, v, 1.0 - t * t, NULL);
}

static PyObject *Value_sigmoid(PyObject *x, PyObject *unused) {
    Value *v = (Value *)x;
    double s = sigmoid(v->data);
    return node1(s, OP_SIGMOID, v, s * (1.0 - s), NULL);
}

static PyObject *Value_relu(PyObject *x, PyObject *unused) {
    Value *v = (Value *)x;
    double a = v->data;
    if (a > 0.0) return node1(a, OP_RELU, v, 1.0, NULL);
    return node1(0.0, OP_RELU, v, 0.0, NULL);
}

static PyObject *one_param(PyObject *args, PyObject *kwargs, const char *kw, double dflt,
                           const char *op, Value *v, double *out) {
    static char *kwlist_slope[] = {"slope", NULL};
    static char *kwlist_alpha[] = {"alpha", NULL};
    PyObject *given = NULL;
    char **kwlist = strcmp(kw, "slope") == 0 ? kwlist_slope : kwlist_alpha;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O", kwlist, &given)) return NULL;
    if (given == NULL) {
        *out = dflt;
        return PyFloat_FromDouble(dflt);
    }
    PyObject *kept;
    if (constant(given, op, v, out, &kept) < 0) return NULL;
    return kept;
}

static PyObject *Value_leaky_relu(PyObject *x, PyObject *args, PyObject *kwargs) {
    Value *v = (Value *)x;
    double slope;
    PyObject *kept = one_param(args, kwargs, "slope", 0.01, "leaky_relu", v, &slope);
    if (kept == NULL) return NULL;
    double a = v->data;
    if (a > 0.0) return node1(a, OP_LEAKY, v, 1.0, kept);
    return node1(slope * a, OP_LEAKY, v, slope, kept);
}

static PyObject *Value_elu(PyObject *x, PyObject *args, PyObject *kwargs) {
    Value *v = (Value *)x;
    double alpha;
    PyObject *kept = one_param(args, kwargs, "alpha", 1.0, "elu", v, &alpha);
    if (kept == NULL) return NULL;
    double a = v->data;
    if (a > 0.0) return node1(a, OP_ELU, v, 1.0, kept);
    return node1(alpha * expm1(a), OP_ELU, v, alpha * exp(a), kept);
}

static PyObject *Value_softplus(PyObject *x, PyObject *unused) {
    Value *v = (Value *)x;
    double a = v->data;
    double top = 0.0 > a ? 0.0 : a; /* Python's max(a, 0.0) */
    double out = top + log1p(exp(-fabs(a)));
    return node1(out, OP_SOFTPLUS, v, sigmoid(a), NULL);
}

static PyObject *Value_sin(PyObject *x, PyObject *unused) {
    Value *v = (Value *)x;
    return node1(sin(v->data), OP_SIN, v, cos(v->data), NULL);
}

static PyObject *Value_cos(PyObject *x, PyObject *unused) {
    Value *v = (Value *)x;
    return node1(cos(v->data), OP_COS, v, -sin(v->data), NULL);
}

/* ---- the walk and the chain rule ------------------------------------------------------- */

typedef struct {
    Value **items;
    size_t len, cap;
} Stack;

static int push(Stack *s, Value *v) {
    if (s->len == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        Value **items = (Value **)PyMem_Realloc(s->items, cap * sizeof(Value *));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        s->items = items;
        s->cap = cap;
    }
    s->items[s->len++] = v;
    return 0;
}

/* Every node `root` depends on, each once, parents before children, root last: depth first with
 * an explicit stack, first operand first, exactly as engine.topological_order. The nodes
 * are left marked DONE (`order` borrows them); the caller clears the marks as it goes over them.
 * With zero_inner, a node with parents also gets grad 0.0 as it is placed (backward's reset). */
static int walk(Value *root, Stack *order, int zero_inner) {
    Stack stack = {NULL, 0, 0};
    if (push(&stack, root) < 0) return -1;
    while (stack.len) {
        Value *node = stack.items[--stack.len];
        if (node->mark == ENTERED || (node->mark == 0 && node->n == 0)) {
            node->mark = DONE;
            if (zero_inner && node->n) node->grad = 0.0;
            if (order->len < order->cap)
                order->items[order->len++] = node;
            else if (push(order, node) < 0)
                goto fail;
        } else if (node->mark == 0) {
            node->mark = ENTERED;
            stack.len++; /* push it back: it is placed once its parents are */
            Value **parents = PARENTS(node);
            for (uint32_t i = node->n; i-- > 0;) {
                Value *p = parents[i];
                PREFETCH(p); /* its mark is read when it is popped: fetch it meanwhile */
                if (stack.len == stack.cap) {
                    if (push(&stack, p) < 0) goto fail;
                } else {
                    stack.items[stack.len++] = p;
                }
            }
        }
    }
    PyMem_Free(stack.items);
    return 0;
fail:
    for (size_t i = 0; i < stack.len; i++) stack.items[i]->mark = 0;
    for (size_t i = 0; i < order->len; i++) order->items[i]->mark = 0;
    PyMem_Free(stack.items);
    PyMem_Free(order->items);
    order->items = NULL;
    order->len = order->cap = 0;
    return -1;
}

static PyObject *Value_backward(PyObject *x, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"grad", NULL};
    PyObject *given = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:backward", kwlist, &given)) return NULL;
    double upstream = 1.0;
    if (given != NULL && number(given, "backward", &upstream) < 0) return NULL;
    /* The GIL is held from here to the end (no Python code runs), so backward calls never
     * interleave: engine.py's lock. */
    Value *root = (Value *)x;
    Stack order = {NULL, 0, 0};
    if (walk(root, &order, 1) < 0) return NULL; /* inner nodes' grads are now 0.0 */
    root->grad += upstream;
    /* the chain rule, children before parents; a node's grad is complete when it is reached,
     * so the finite check goes along: the last failure met is the first in topological order */
    Value *bad = NULL;
    for (size_t i = order.len; i-- > 0;) {
        Value *node = order.items[i];
        node->mark = 0;
        double g = node->grad;
        if (g - g != 0.0) bad = node;
        Value **parents = PARENTS(node);
        double *locals = LOCALS(node);
        for (uint32_t k = 0; k < node->n; k++) parents[k]->grad += locals[k] * g;
    }
    PyMem_Free(order.items);
    if (bad != NULL) return raise_from(call_helper("_bad_grad", "(O)", (PyObject *)bad));
    Py_RETURN_NONE;
}

static PyObject *topological_order(PyObject *module, PyObject *root) {
    if (!IS_VALUE(root)) {
        PyErr_Format(PyExc_TypeError, "topological_order takes a Value, got %.100s",
                     Py_TYPE(root)->tp_name);
        return NULL;
    }
    Stack order = {NULL, 0, 0};
    if (walk((Value *)root, &order, 0) < 0) return NULL;
    PyObject *list = PyList_New((Py_ssize_t)order.len);
    for (size_t i = 0; i < order.len; i++) {
        order.items[i]->mark = 0;
        if (list != NULL) PyList_SET_ITEM(list, (Py_ssize_t)i, Py_NewRef((PyObject *)order.items[i]));
    }
    PyMem_Free(order.items);
    return list;
}

/* ---- the node's views and attributes ---------------------------------------------------- */

static PyObject *get_parents(Value *v, void *c) {
    PyObject *t = PyTuple_New(v->n);
    if (t == NULL) return NULL;
    for (uint32_t i = 0; i < v->n; i++) {
        PyObject *p = (PyObject *)PARENTS(v)[i];
        PyTuple_SET_ITEM(t, i, Py_NewRef(p ? p : Py_None));
    }
    return t;
}

static PyObject *get_local_grads(Value *v, void *c) {
    PyObject *t = PyTuple_New(v->n);
    if (t == NULL) return NULL;
    for (uint32_t i = 0; i < v->n; i++) {
        PyObject *d = PyFloat_FromDouble(LOCALS(v)[i]);
        if (d == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, d);
    }
    return t;
}

static int set_local_grads(Value *v, PyObject *value, void *c) {
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "local_grads cannot be deleted");
        return -1;
    }
    PyObject *seq = PySequence_Tuple(value);
    if (seq == NULL) return -1;
    if (v->n == 0) { /* a leaf (as every result inside no_grad() is) has no parents */
        Py_DECREF(seq);
        return 0;
    }
    Py_ssize_t m = PyTuple_GET_SIZE(seq);
    if (m != (Py_ssize_t)v->n) {
        raise_from(call_helper("_misaligned", "(nn)", (Py_ssize_t)v->n, m));
        Py_DECREF(seq);
        return -1;
    }
    double *locals = LOCALS(v);
    for (Py_ssize_t i = 0; i < m; i++) {
        double d = PyFloat_AsDouble(PyTuple_GET_ITEM(seq, i));
        if (d == -1.0 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return -1;
        }
        locals[i] = d;
    }
    Py_DECREF(seq);
    return 0;
}

static PyObject *get_arg(Value *v, void *c) { return Py_NewRef(v->arg ? v->arg : Py_None); }

static PyObject *empty_str;

static PyObject *get_label(Value *v, void *c) { return Py_NewRef(v->label ? v->label : empty_str); }

static int set_label(Value *v, PyObject *value, void *c) {
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "label cannot be deleted");
        return -1;
    }
    Py_XSETREF(v->label, Py_NewRef(value));
    return 0;
}

static PyObject *get_op(Value *v, void *c) { return Py_NewRef(v->op); }

static int set_op(Value *v, PyObject *value, void *c) {
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "op cannot be deleted");
        return -1;
    }
    Py_SETREF(v->op, Py_NewRef(value));
    return 0;
}

static PyObject *get_double(Value *v, void *offset) {
    return PyFloat_FromDouble(*(double *)((char *)v + (size_t)offset));
}

static int set_double(Value *v, PyObject *value, void *offset) {
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "data and grad cannot be deleted");
        return -1;
    }
    double d = PyFloat_AsDouble(value);
    if (d == -1.0 && PyErr_Occurred()) return -1;
    *(double *)((char *)v + (size_t)offset) = d;
    return 0;
}

static PyGetSetDef Value_getset[] = {
    {"data", (getter)get_double, (setter)set_double, "The node's value.",
     (void *)offsetof(Value, data)},
    {"grad", (getter)get_double, (setter)set_double, "d(output)/d(this node) after backward().",
     (void *)offsetof(Value, grad)},
    {"op", (getter)get_op, (setter)set_op, "The op that made this node; \"\" for a leaf.", NULL},
    {"label", (getter)get_label, (setter)set_label, "A name for pictures and messages.", NULL},
    {"parents", (getter)get_parents, NULL,
     "The Values this node was computed from, in operand order (`a + a` has both).", NULL},
    {"local_grads", (getter)get_local_grads, (setter)set_local_grads,
     "d(self)/d(parent) for each of `parents`, computed when the node was made.", NULL},
    {"arg", (getter)get_arg, NULL,
     "The op's constant operand or parameter (`x * 2.0` keeps 2.0; leaky_relu its slope).", NULL},
    {NULL},
};

/* ---- life and death --------------------------------------------------------------------- */

static PyObject *Value_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"data", "label", NULL};
    PyObject *data, *label = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:Value", kwlist, &data, &label))
        return NULL;
    if (label != NULL && !PyUnicode_Check(label))
        return raise_from(call_helper("_bad_label", "(O)", label));
    double d;
    if (PyFloat_CheckExact(data) && isfinite(PyFloat_AS_DOUBLE(data))) {
        d = PyFloat_AS_DOUBLE(data);
    } else {
        PyObject *f = call_helper("_number", "(OsO)", data, "Value", label ? label : empty_str);
        if (f == NULL) return NULL;
        d = PyFloat_AsDouble(f);
        Py_DECREF(f);
    }
    Value *v = leaf(d);
    if (v != NULL && label != NULL && PyUnicode_GET_LENGTH(label) > 0)
        v->label = Py_NewRef(label);
    return (PyObject *)v;
}

/* Freeing a node drops its parents, which may free them in turn: along a chain of a million
 * nodes that would be a million nested calls. So a node being freed hands its parents to a list
 * of pending ones, and only the outermost call drops them, one at a time. */
static Stack pending = {NULL, 0, 0};
static int draining = 0;

/* push() that leaves any exception being raised as it is (a dealloc may run during one). */
static int push_quietly(Stack *s, Value *v) {
    if (s->len < s->cap) {
        s->items[s->len++] = v;
        return 0;
    }
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    int r = push(s, v);
    if (r < 0) PyErr_Clear();
    PyErr_Restore(type, value, traceback);
    return r;
}

static void Value_dealloc(Value *v) {
    int outermost = !draining;
    draining = 1;
    Value **parents = PARENTS(v);
    for (uint32_t i = 0; i < v->n; i++) PREFETCH(parents[i]); /* their counts, all at once */
    for (uint32_t i = 0; i < v->n; i++) {
        Value *p = parents[i];
        if (Py_REFCNT(p) > 1 || push_quietly(&pending, p) < 0) Py_DECREF(p);
    }
    Py_XDECREF(v->op);
    Py_XDECREF(v->label);
    Py_XDECREF(v->arg);
    PyObject_Free(v);
    if (!outermost) return;
    while (pending.len) {
        Value *p = pending.items[--pending.len];
        Py_DECREF(p);
    }
    draining = 0;
}

static PyObject *Value_repr(Value *v) {
    PyObject *data = PyFloat_FromDouble(v->data), *grad = PyFloat_FromDouble(v->grad), *r = NULL;
    if (data && grad) {
        PyObject *label = v->label ? v->label : empty_str;
        int has_label = PyObject_IsTrue(label);
        if (has_label < 0)
            r = NULL;
        else if (has_label)
            r = PyUnicode_FromFormat("Value(data=%R, grad=%R, label=%R)", data, grad, label);
        else
            r = PyUnicode_FromFormat("Value(data=%R, grad=%R)", data, grad);
    }
    Py_XDECREF(data);
    Py_XDECREF(grad);
    return r;
}

static Py_hash_t Value_hash(PyObject *v) { /* by identity, as object.__hash__ */
    size_t y = (size_t)v;
    y = (y >> 4) | (y << (8 * sizeof(void *) - 4));
    Py_hash_t x = (Py_hash_t)y;
    return x == -1 ? -2 : x;
}

static PyObject *Value_richcompare(PyObject *x, PyObject *y, int op) {
    static const char *names[] = {"<", "<=", "==", "!=", ">", ">="};
    if (op == Py_EQ || op == Py_NE || !IS_VALUE(x)) Py_RETURN_NOTIMPLEMENTED; /* identity */
    double a = ((Value *)x)->data, b;
    if (IS_VALUE(y)) {
        b = ((Value *)y)->data;
    } else {
        PyObject *kept;
        if (constant(y, names[op], NULL, &b, &kept) < 0) return NULL;
        Py_DECREF(kept);
    }
    int r = op == Py_LT ? a < b : op == Py_LE ? a <= b : op == Py_GT ? a > b : a >= b;
    return PyBool_FromLong(r);
}

/* Pickling and copying (nnscalar/_core.py's _reduce): a node is rebuilt as an empty shell with
 * room for its parents, then filled by __setstate__. */
static Value *placeholder; /* a leaf standing in for a shell's parents until they are set */

static PyObject *shell(PyObject *module, PyObject *arg) {
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    if (n < 0 || n > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "a node's number of parents is out of range");
        return NULL;
    }
    Py_INCREF(OP_LEAF);
    Value *v = alloc_node((uint32_t)n, 0.0, OP_LEAF, NULL);
    if (v == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) { /* until __setstate__ fills them in */
        PARENTS(v)[i] = (Value *)Py_NewRef((PyObject *)placeholder);
        LOCALS(v)[i] = 0.0;
    }
    return (PyObject *)v;
}

static PyObject *Value_setstate(Value *v, PyObject *state) {
    /* (ancestors (only there to be unpickled first), data, grad, op, label, parents,
     *  local_grads, arg) */
    PyObject *ancestors, *op, *label, *parents, *locals, *arg;
    double data, grad;
    if (!PyArg_ParseTuple(state, "OddUOO!O!O:__setstate__", &ancestors, &data, &grad, &op, &label,
                          &PyTuple_Type, &parents, &PyTuple_Type, &locals, &arg))
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(parents);
    if (n != (Py_ssize_t)v->n || PyTuple_GET_SIZE(locals) != n) {
        PyErr_SetString(PyExc_ValueError, "a pickled node does not match its shell");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!IS_VALUE(PyTuple_GET_ITEM(parents, i))) {
            PyErr_SetString(PyExc_TypeError, "a pickled node's parents must be Values");
            return NULL;
        }
        double d = PyFloat_AsDouble(PyTuple_GET_ITEM(locals, i));
        if (d == -1.0 && PyErr_Occurred()) return NULL;
        Value *old = PARENTS(v)[i];
        PARENTS(v)[i] = (Value *)Py_NewRef(PyTuple_GET_ITEM(parents, i));
        Py_XDECREF(old);
        LOCALS(v)[i] = d;
    }
    v->data = data;
    v->grad = grad;
    Py_SETREF(v->op, Py_NewRef(op));
    Py_CLEAR(v->label);
    if (PyObject_IsTrue(label) > 0) v->label = Py_NewRef(label);
    Py_CLEAR(v->arg);
    if (arg != Py_None) v->arg = Py_NewRef(arg);
    Py_RETURN_NONE;
}

static PyObject *Value_reduce(PyObject *v, PyObject *unused) {
    return call_helper("_reduce", "(O)", v);
}

static PyObject *Value_sizeof(Value *v, PyObject *unused) {
    return PyLong_FromSize_t(sizeof(Value) + v->n * (sizeof(Value *) + sizeof(double)));
}

static PyMethodDef Value_methods[] = {
    {"exp", Value_exp, METH_NOARGS, "f(x) = e\xcb\xa3, f'(x) = e\xcb\xa3."},
    {"log", Value_log, METH_NOARGS, "f(x) = ln x for x > 0, f'(x) = 1/x."},
    {"sqrt", Value_sqrt, METH_NOARGS, "f(x) = \xe2\x88\x9ax, f'(x) = 1/(2\xe2\x88\x9ax)."},
    {"tanh", Value_tanh, METH_NOARGS, "f(x) = tanh x, f'(x) = 1 \xe2\x88\x92 tanh\xc2\xb2x."},
    {"sigmoid", Value_sigmoid, METH_NOARGS, "f(x) = 1/(1 + e\xe2\x81\xbb\xcb\xa3)."},
    {"relu", Value_relu, METH_NOARGS, "f(x) = max(0, x); f'(0) = 0."},
    {"leaky_relu", (PyCFunction)(void (*)(void))Value_leaky_relu, METH_VARARGS | METH_KEYWORDS,
     "f(x) = x for x > 0, else slope\xc2\xb7x."},
    {"elu", (PyCFunction)(void (*)(void))Value_elu, METH_VARARGS | METH_KEYWORDS,
     "f(x) = x for x > 0, else \xce\xb1(e\xcb\xa3 \xe2\x88\x92 1)."},
    {"softplus", Value_softplus, METH_NOARGS, "f(x) = ln(1 + e\xcb\xa3), f'(x) = \xcf\x83(x)."},
    {"sin", Value_sin, METH_NOARGS, "f(x) = sin x, f'(x) = cos x."},
    {"cos", Value_cos, METH_NOARGS, "f(x) = cos x, f'(x) = \xe2\x88\x92sin x."},
    {"backward", (PyCFunction)(void (*)(void))Value_backward, METH_VARARGS | METH_KEYWORDS,
     "Fill in d(self)/d(node) for every node this Value depends on; leaves accumulate."},
    {"__reduce__", Value_reduce, METH_NOARGS, NULL},
    {"__setstate__", (PyCFunction)Value_setstate, METH_O, NULL},
    {"__sizeof__", (PyCFunction)Value_sizeof, METH_NOARGS, NULL},
    {NULL},
};

static PyNumberMethods Value_as_number = {
    .nb_add = Value_add,
    .nb_subtract = Value_sub,
    .nb_multiply = Value_mul,
    .nb_true_divide = Value_truediv,
    .nb_power = Value_pow,
    .nb_negative = Value_neg,
    .nb_positive = Value_pos,
    .nb_absolute = Value_abs,
    .nb_float = Value_float,
};

static PyTypeObject ValueType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "nnscalar.Value",
    .tp_basicsize = sizeof(Value),
    .tp_dealloc = (destructor)Value_dealloc,
    .tp_repr = (reprfunc)Value_repr,
    .tp_as_number = &Value_as_number,
    .tp_hash = Value_hash,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One number of a computation graph, with the gradient backward() gives it.",
    .tp_richcompare = Value_richcompare,
    .tp_methods = Value_methods,
    .tp_getset = Value_getset,
    .tp_new = Value_new,
};

/* ---- fused ops -------------------------------------------------------------------------- */

/* A fused node from parents (a sequence of Values) and their local derivatives; arg borrowed.
 * Used by custom_node and log_softmax (in nnscalar/_core.py), which check their inputs first. */
/* (*parents, arg): the operands named when a fused node's result is not finite. */
static PyObject *with_arg(PyObject *parents, PyObject *arg) {
    PyObject *last = PyTuple_Pack(1, arg);
    if (last == NULL) return NULL;
    PyObject *all = PySequence_Concat(parents, last);
    Py_DECREF(last);
    return all;
}

static PyObject *make_node(PyObject *module, PyObject *args) {
    double data;
    PyObject *op, *parents, *locals, *arg;
    if (!PyArg_ParseTuple(args, "dUO!O!O:_make_node", &data, &op, &PyTuple_Type, &parents,
                          &PyTuple_Type, &locals, &arg))
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(parents);
    if (PyTuple_GET_SIZE(locals) != n)
        return raise_from(call_helper("_misaligned", "(nn)", n, PyTuple_GET_SIZE(locals)));
    for (Py_ssize_t i = 0; i < n; i++)
        if (!IS_VALUE(PyTuple_GET_ITEM(parents, i))) {
            PyErr_SetString(PyExc_TypeError, "a node's parents must be Values");
            return NULL;
        }
    if (!isfinite(data)) {
        PyObject *d = PyFloat_FromDouble(data);
        PyObject *operands = PyFloat_CheckExact(arg) ? with_arg(parents, arg) : Py_NewRef(parents);
        overflow(op, operands, d);
        Py_XDECREF(d);
        return NULL;
    }
    if (!recording()) return (PyObject *)leaf(data);
    Value *v = alloc_node((uint32_t)n, data, Py_NewRef(op), arg == Py_None ? NULL : Py_NewRef(arg));
    if (v == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++)
        PARENTS(v)[i] = (Value *)Py_NewRef(PyTuple_GET_ITEM(parents, i));
    for (Py_ssize_t i = 0; i < n; i++) {
        double d = PyFloat_AsDouble(PyTuple_GET_ITEM(locals, i));
        if (d == -1.0 && PyErr_Occurred()) {
            Py_DECREF(v);
            return NULL;
        }
        LOCALS(v)[i] = d;
    }
    return (PyObject *)v;
}

/* vsum(values): one n-ary node Σ, every local derivative 1. */
static PyObject *vsum(PyObject *module, PyObject *values) {
    PyObject *items = PySequence_Fast(values, "vsum takes an iterable of Values and numbers");
    if (items == NULL) return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(items), n = 0;
    PyObject **objs = PySequence_Fast_ITEMS(items);
    double total = 0.0, constant_sum = 0.0;
    int has_constant = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (IS_VALUE(objs[i])) {
            total += ((Value *)objs[i])->data;
            n++;
        } else {
            double c;
            PyObject *kept;
            if (constant(objs[i], "sum", NULL, &c, &kept) < 0) {
                Py_DECREF(items);
                return NULL;
            }
            Py_DECREF(kept);
            constant_sum += c;
            total += c;
            has_constant = 1;
        }
    }
    PyObject *arg = has_constant && constant_sum != 0.0 ? PyFloat_FromDouble(constant_sum) : NULL;
    PyObject *result;
    if (!isfinite(total)) {
        PyObject *operands = PyList_New(0);
        for (Py_ssize_t i = 0; operands && i < count; i++)
            if (IS_VALUE(objs[i])) PyList_Append(operands, objs[i]);
        if (operands && arg) PyList_Append(operands, arg);
        PyObject *t = operands ? PyList_AsTuple(operands) : NULL;
        Py_XDECREF(operands);
        PyObject *d = PyFloat_FromDouble(total);
        overflow(OP_SUM, t, d);
        Py_XDECREF(d);
        Py_XDECREF(arg);
        Py_DECREF(items);
        return NULL;
    }
    if (!recording()) {
        Py_XDECREF(arg);
        result = (PyObject *)leaf(total);
    } else { /* with no Value items: a node "sum" with no parents */
        Value *v = alloc_node((uint32_t)n, total, Py_NewRef(OP_SUM), arg);
        if (v != NULL) {
            Py_ssize_t k = 0;
            for (Py_ssize_t i = 0; i < count; i++)
                if (IS_VALUE(objs[i])) {
                    PARENTS(v)[k] = (Value *)Py_NewRef(objs[i]);
                    LOCALS(v)[k++] = 1.0;
                }
        }
        result = (PyObject *)v;
    }
    Py_DECREF(items);
    return result;
}

/* One sample's inputs as the neurons share them: their data, which are Values, and the tuple
 * kept as each node's `arg` (numbers as floats, Values as Values). */
typedef struct {
    Py_ssize_t count, values; /* inputs, and how many of them are Values */
    double *xs;
    Value **inputs; /* the Value inputs, in order */
    PyObject *given;
} Inputs;

static void free_inputs(Inputs *in) {
    PyMem_Free(in->xs);
    PyMem_Free(in->inputs);
    Py_CLEAR(in->given);
}

static int read_inputs(PyObject *sample, Inputs *in) {
    memset(in, 0, sizeof(*in));
    PyObject *items = PySequence_Fast(sample, "a sample's inputs must be a sequence");
    if (items == NULL) return -1;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(items);
    PyObject **objs = PySequence_Fast_ITEMS(items);
    in->count = count;
    in->xs = (double *)PyMem_Malloc((count ? count : 1) * sizeof(double));
    in->inputs = (Value **)PyMem_Malloc((count ? count : 1) * sizeof(Value *));
    PyObject *given = PyTuple_New(count);
    if (in->xs == NULL || in->inputs == NULL || given == NULL) {
        Py_XDECREF(given);
        Py_DECREF(items);
        free_inputs(in);
        PyErr_NoMemory();
        return -1;
    }
    in->given = given;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *x = objs[i];
        if (IS_VALUE(x)) {
            in->xs[i] = ((Value *)x)->data;
            in->inputs[in->values++] = (Value *)x;
            PyTuple_SET_ITEM(given, i, Py_NewRef(x));
        } else {
            PyObject *kept;
            if (constant(x, "wsum", NULL, &in->xs[i], &kept) < 0) {
                Py_DECREF(items);
                free_inputs(in);
                return -1;
            }
            PyTuple_SET_ITEM(given, i, kept);
        }
    }
    Py_DECREF(items);
    return 0;
}

/* One neuron: its weights and bias, borrowed from the `keep` tuple read_neuron gives. */
typedef struct {
    Py_ssize_t count;
    Value **weights;
    Value *bias;
} Neuron;

static int read_neuron(PyObject *weights, PyObject *bias, Neuron *nr, PyObject **keep) {
    PyObject *items = PySequence_Fast(weights, "a neuron's weights must be a sequence of Values");
    if (items == NULL) return -1;
    if (!IS_VALUE(bias)) {
        Py_DECREF(items);
        PyErr_Format(PyExc_TypeError, "weighted_sum: the bias must be a Value, got %.100s",
                     Py_TYPE(bias)->tp_name);
        return -1;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(items);
    PyObject **objs = PySequence_Fast_ITEMS(items);
    for (Py_ssize_t i = 0; i < count; i++)
        if (!IS_VALUE(objs[i])) {
            Py_DECREF(items);
            PyErr_Format(PyExc_TypeError, "weighted_sum: weights must be Values, got %.100s",
                         Py_TYPE(objs[i])->tp_name);
            return -1;
        }
    *keep = PyTuple_Pack(2, items, bias); /* holds what nr borrows */
    Py_DECREF(items);
    if (*keep == NULL) return -1;
    nr->count = count;
    nr->weights = (Value **)objs;
    nr->bias = (Value *)bias;
    return 0;
}

/* z = Σ wᵢxᵢ + b as one node: parents (*weights, *Value inputs, bias), local derivatives
 * (*x data, *w data of the Value inputs, 1.0), arg the inputs as given. */
static PyObject *neuron_node(Neuron *nr, Inputs *in) {
    if (nr->count != in->count)
        return raise_from(call_helper("_wsum_shape", "(nn)", nr->count, in->count));
    double z = 0.0;
    Value **w = nr->weights;
    double *xs = in->xs;
    for (Py_ssize_t i = 0; i < in->count; i++) z += w[i]->data * xs[i];
    z = z + nr->bias->data;
    Py_ssize_t n = in->count + in->values + 1;
    if (!isfinite(z)) {
        PyObject *operands = PyTuple_New(n);
        if (operands == NULL) return NULL;
        Py_ssize_t k = 0;
        for (Py_ssize_t i = 0; i < in->count; i++)
            PyTuple_SET_ITEM(operands, k++, Py_NewRef((PyObject *)w[i]));
        for (Py_ssize_t i = 0; i < in->values; i++)
            PyTuple_SET_ITEM(operands, k++, Py_NewRef((PyObject *)in->inputs[i]));
        PyTuple_SET_ITEM(operands, k, Py_NewRef((PyObject *)nr->bias));
        PyObject *d = PyFloat_FromDouble(z);
        overflow(OP_WSUM, operands, d);
        Py_XDECREF(d);
        return NULL;
    }
    if (!recording()) return (PyObject *)leaf(z);
    Value *v = alloc_node((uint32_t)n, z, Py_NewRef(OP_WSUM), Py_NewRef(in->given));
    if (v == NULL) return NULL;
    Value **parents = PARENTS(v);
    double *locals = LOCALS(v);
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < in->count; i++) {
        parents[k] = (Value *)Py_NewRef((PyObject *)w[i]);
        locals[k++] = xs[i];
    }
    Py_ssize_t vi = 0;
    for (Py_ssize_t i = 0; i < in->count; i++) {
        if (vi < in->values && PyTuple_GET_ITEM(in->given, i) == (PyObject *)in->inputs[vi]) {
            parents[k] = (Value *)Py_NewRef((PyObject *)in->inputs[vi++]);
            locals[k++] = w[i]->data;
        }
    }
    parents[k] = (Value *)Py_NewRef((PyObject *)nr->bias);
    locals[k] = 1.0;
    return (PyObject *)v;
}

static PyObject *weighted_sum(PyObject *module, PyObject *args) {
    PyObject *weights, *inputs, *bias, *keep;
    if (!PyArg_ParseTuple(args, "OOO:weighted_sum", &weights, &inputs, &bias)) return NULL;
    Neuron nr;
    if (read_neuron(weights, bias, &nr, &keep) < 0) return NULL;
    Inputs in;
    if (read_inputs(inputs, &in) < 0) {
        Py_DECREF(keep);
        return NULL;
    }
    PyObject *z = neuron_node(&nr, &in);
    free_inputs(&in);
    Py_DECREF(keep);
    return z;
}

/* weighted_sums(params, samples): out[s][j] = weighted_sum(params[j][0], samples[s],
 * params[j][1]), the layer over the whole batch in one C loop. */
static PyObject *weighted_sums(PyObject *module, PyObject *args) {
    PyObject *params, *samples;
    if (!PyArg_ParseTuple(args, "OO:weighted_sums", &params, &samples)) return NULL;
    PyObject *pairs = PySequence_Fast(params, "weighted_sums: params must be (weights, bias) pairs");
    if (pairs == NULL) return NULL;
    PyObject *batch = PySequence_Fast(samples, "weighted_sums: samples must be a sequence");
    if (batch == NULL) {
        Py_DECREF(pairs);
        return NULL;
    }
    Py_ssize_t m = PySequence_Fast_GET_SIZE(pairs), s_count = PySequence_Fast_GET_SIZE(batch);
    Neuron *neurons = (Neuron *)PyMem_Calloc(m ? m : 1, sizeof(Neuron));
    PyObject **keeps = (PyObject **)PyMem_Calloc(m ? m : 1, sizeof(PyObject *));
    PyObject *out = NULL;
    if (neurons == NULL || keeps == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t j = 0; j < m; j++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(pairs, j), *w, *b;
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyObject *t = PySequence_Tuple(pair);
            if (t == NULL) goto done;
            if (PyTuple_GET_SIZE(t) != 2) {
                Py_DECREF(t);
                PyErr_SetString(PyExc_TypeError, "weighted_sums: params must be (weights, bias) pairs");
                goto done;
            }
            w = PyTuple_GET_ITEM(t, 0);
            b = PyTuple_GET_ITEM(t, 1);
            int r = read_neuron(w, b, &neurons[j], &keeps[j]);
            Py_DECREF(t); /* keeps[j] holds the weights and the bias */
            if (r < 0) goto done;
        } else if (read_neuron(PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1), &neurons[j],
                               &keeps[j]) < 0) {
            goto done;
        }
    }
    out = PyList_New(s_count);
    if (out == NULL) goto done;
    for (Py_ssize_t s = 0; s < s_count; s++) {
        Inputs in;
        if (read_inputs(PySequence_Fast_GET_ITEM(batch, s), &in) < 0) {
            Py_CLEAR(out);
            goto done;
        }
        PyObject *zs = PyList_New(m);
        if (zs == NULL) {
            free_inputs(&in);
            Py_CLEAR(out);
            goto done;
        }
        for (Py_ssize_t j = 0; j < m; j++) {
            PyObject *z = neuron_node(&neurons[j], &in);
            if (z == NULL) {
                Py_DECREF(zs);
                free_inputs(&in);
                Py_CLEAR(out);
                goto done;
            }
            PyList_SET_ITEM(zs, j, z);
        }
        free_inputs(&in);
        PyList_SET_ITEM(out, s, zs);
    }
done:
    if (keeps != NULL)
        for (Py_ssize_t j = 0; j < m; j++) Py_XDECREF(keeps[j]);
    PyMem_Free(keeps);
    PyMem_Free(neurons);
    Py_DECREF(pairs);
    Py_DECREF(batch);
    return out;
}

static PyObject *zero_grad(PyObject *module, PyObject *values) {
    PyObject *it = PyObject_GetIter(values), *item;
    if (it == NULL) return NULL;
    PyObject *zero = PyFloat_FromDouble(0.0);
    while ((item = PyIter_Next(it)) != NULL) {
        int r = 0;
        if (IS_VALUE(item))
            ((Value *)item)->grad = 0.0;
        else
            r = PyObject_SetAttrString(item, "grad", zero);
        Py_DECREF(item);
        if (r < 0) break;
    }
    Py_DECREF(it);
    Py_DECREF(zero);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

/* ---- grad mode switches (no_grad lives in nnscalar/_core.py) ------------------------------ */

static PyObject *is_grad_enabled(PyObject *module, PyObject *unused) {
    return PyBool_FromLong(PyThread_tss_get(&grad_off) == NULL);
}

/* _set_grad_enabled(flag) -> the previous setting; counts the open no_grad blocks. */
static PyObject *set_grad_enabled(PyObject *module, PyObject *flag) {
    int enable = PyObject_IsTrue(flag);
    if (enable < 0) return NULL;
    int was = PyThread_tss_get(&grad_off) == NULL;
    if (PyThread_tss_set(&grad_off, enable ? NULL : (void *)1) != 0) {
        PyErr_SetString(PyExc_RuntimeError, "could not set the grad mode");
        return NULL;
    }
    return PyBool_FromLong(was);
}

static PyObject *open_blocks(PyObject *module, PyObject *delta) {
    long d = PyLong_AsLong(delta);
    if (d == -1 && PyErr_Occurred()) return NULL;
    no_grad_blocks += d;
    return PyLong_FromLong(no_grad_blocks);
}

static PyObject *install(PyObject *module, PyObject *helpers_module) {
    Py_XSETREF(helpers, Py_NewRef(helpers_module));
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"topological_order", topological_order, METH_O,
     "Every node `root` depends on, each once, parents before children: leaves first, root last."},
    {"vsum", vsum, METH_O, "The sum of many Values (and numbers) as one n-ary node."},
    {"weighted_sum", weighted_sum, METH_VARARGS, "A neuron's z = \xce\xa3 w\xe1\xb5\xa2x\xe1\xb5\xa2 + b as one node."},
    {"weighted_sums", weighted_sums, METH_VARARGS,
     "weighted_sum for each (weights, bias) pair and each sample: out[s][j]."},
    {"zero_grad", zero_grad, METH_O, "Set `.grad` of every Value given to 0.0."},
    {"is_grad_enabled", is_grad_enabled, METH_NOARGS, "True unless inside `no_grad()` in this thread."},
    {"_set_grad_enabled", set_grad_enabled, METH_O, NULL},
    {"_open_blocks", open_blocks, METH_O, NULL},
    {"_make_node", make_node, METH_VARARGS, NULL},
    {"_shell", shell, METH_O, NULL},
    {"_install", install, METH_O, NULL},
    {NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "nnscalar._core_c",
    "The compiled core's nodes (see nnscalar/_core.py, which completes the API).", -1,
    module_methods,
};

#define INTERN(var, text)                                  \
    if ((var = PyUnicode_InternFromString(text)) == NULL) \
        return NULL;

PyMODINIT_FUNC PyInit__core_c(void) {
    if (PyThread_tss_create(&grad_off) != 0) return PyErr_NoMemory();
    INTERN(empty_str, "");
    INTERN(OP_LEAF, "");
    INTERN(OP_ADD, "+");
    INTERN(OP_SUB, "-");
    INTERN(OP_RSUB, "rsub");
    INTERN(OP_MUL, "*");
    INTERN(OP_DIV, "/");
    INTERN(OP_RDIV, "rdiv");
    INTERN(OP_POW, "**");
    INTERN(OP_RPOW, "rpow");
    INTERN(OP_NEG, "neg");
    INTERN(OP_ABS, "abs");
    INTERN(OP_EXP, "exp");
    INTERN(OP_LOG, "log");
    INTERN(OP_SQRT, "sqrt");
    INTERN(OP_TANH, "tanh");
    INTERN(OP_SIGMOID, "sigmoid");
    INTERN(OP_RELU, "relu");
    INTERN(OP_LEAKY, "leaky_relu");
    INTERN(OP_ELU, "elu");
    INTERN(OP_SOFTPLUS, "softplus");
    INTERN(OP_SIN, "sin");
    INTERN(OP_COS, "cos");
    INTERN(OP_SUM, "sum");
    INTERN(OP_WSUM, "wsum");
    if (PyType_Ready(&ValueType) < 0) return NULL;
    if ((placeholder = leaf(0.0)) == NULL) return NULL;
    PyObject *m = PyModule_Create(&core_module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Value", (PyObject *)&ValueType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
