# oxscript python runner, protocol 1
# Sent base64-encoded by oxscript-shells and run with exec() in an
# interactive python3; defines _oxr. Requests arrive as _oxr.a('<b64>')
# pieces and a final _oxr.r('<b64>'); each answer is one line
# <<OXR:id:length:json:id>> (ASCII JSON of exactly `length` bytes).
import base64 as _oxb64, io as _oxio, json as _oxjson, sys as _oxsys, traceback as _oxtb


class _OxRunner(object):
    def __init__(self):
        self.ns = {'__name__': '__oxscript__'}
        self.parts = []

    def a(self, part):
        self.parts.append(part)

    def r(self, part):
        self.parts.append(part)
        data = ''.join(self.parts)
        self.parts = []
        ident = ''
        out = _oxio.StringIO()
        saved = (_oxsys.stdout, _oxsys.stderr)
        _oxsys.stdout = _oxsys.stderr = out
        try:
            try:
                req = _oxjson.loads(_oxb64.b64decode(data).decode('utf-8'))
                ident = str(req.get('id', ''))
                value = self.op(req)
                rep = {'ok': True, 'json': True, 'value': None}
                try:
                    _oxjson.dumps(value, allow_nan=False)
                    rep['value'] = value
                except Exception:
                    rep['json'] = False
                try:
                    rep['repr'] = repr(value)
                except Exception:
                    rep['repr'] = '<unrepresentable>'
            except (Exception, SystemExit) as e:
                rep = {'ok': False, 'type': type(e).__name__, 'message': str(e),
                       'traceback': _oxtb.format_exc()}
        finally:
            _oxsys.stdout, _oxsys.stderr = saved
        rep['output'] = out.getvalue()
        payload = _oxjson.dumps(rep, ensure_ascii=True, allow_nan=False)
        _oxsys.stdout.write('<<OXR:%s:%d:%s:%s>>\n' % (ident, len(payload), payload, ident))
        _oxsys.stdout.flush()

    def op(self, req):
        op = req.get('op')
        ns = self.ns
        if op == 'ping':
            return 1
        if op == 'eval':
            return eval(req['code'], ns)
        if op == 'exec':
            exec(req['code'], ns)
            return None
        if op == 'assign':
            value = eval(req['code'], ns)
            ns[req['handle']] = value
            return value
        if op == 'call':
            value = getattr(ns[req['handle']], req['method'])(*req.get('args', []))
            if req.get('assign'):
                ns[req['assign']] = value
            return value
        if op == 'get':
            return ns[req['handle']]
        if op == 'drop':
            for name in req.get('handles', []):
                ns.pop(name, None)
            return None
        raise ValueError('unknown runner operation %r' % (op,))


_oxr = _OxRunner()
