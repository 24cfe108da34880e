import t from 'tap'
import { coreData, hacpTime, launchFacts, lessonStatusOf, parseAiccData, parseHacpResponse } from '../../../src/domain/lms/aicc.ts'
import { commitValues } from '../../../src/domain/lms/commit-values.ts'

t.test('a HACP response: keywords in any case, CR LF or LF, aicc_data to the end', async t => {
  const body = 'Error=0\nERROR_TEXT=Successful\r\nversion=4.0\r\nAICC_DATA=[Core]\r\nStudent_ID=a=b\r\n[Core_Lesson]\r\nx=1\r\n'
  const response = parseHacpResponse(body)
  t.equal(response?.error, 0)
  t.equal(response?.errorText, 'Successful')
  t.equal(response?.version, '4.0')
  t.equal(response?.aiccData, '[Core]\r\nStudent_ID=a=b\r\n[Core_Lesson]\r\nx=1\r\n', 'the data block, its lines kept')
  t.equal(parseHacpResponse('<html>Sign in</html>'), undefined, 'no error line: not HACP')
  t.equal(parseHacpResponse('error=abc'), undefined, 'a non-numeric error: not HACP')
  t.same(parseHacpResponse('error=3\r\nerror_text=Invalid Session ID'), { error: 3, errorText: 'Invalid Session ID', version: undefined, aiccData: undefined })
})

t.test('aicc_data groups: case-insensitive, first value wins, comments and stray lines skipped', async t => {
  const groups = parseAiccData('stray=1\n; comment\n[CORE]\nStudent_ID = u-1 \nstudent_id=u-2\nStudent_Name=Lovelace, Ada\nLesson_Status=I,resume\n[core_lesson]\nfree text\n')
  t.same(launchFacts(groups), { studentId: 'u-1', studentName: 'Lovelace, Ada', lessonStatus: 'incomplete', lessonMode: undefined })
  t.equal(launchFacts(parseAiccData('[Core]\nStudent_Name=x\n')), undefined, 'no Student_ID: no learner')
  t.equal(launchFacts(parseAiccData('[Core]\nStudent_ID=  \n')), undefined, 'a blank Student_ID is none')
})

t.test('Lesson_Status: the first letter counts, a flag may follow', async t => {
  t.equal(lessonStatusOf('passed'), 'passed')
  t.equal(lessonStatusOf('C'), 'completed')
  t.equal(lessonStatusOf('f, logout'), 'failed')
  t.equal(lessonStatusOf('not attempted, ab-initio'), 'not attempted')
  t.equal(lessonStatusOf('b'), 'browsed')
  t.equal(lessonStatusOf('x'), undefined)
  t.equal(lessonStatusOf(undefined), undefined)
})

t.test('[Core] for PutParam: CR LF, incomplete with the progress while learning, passed with 100 at mastery', async t => {
  const learning = coreData(commitValues({ progress: 0.456, mastered: false, previouslyPassed: false, sessionMs: 3_725_400, previousLmsMs: 0 }))
  t.equal(learning, '[Core]\r\nLesson_Location=\r\nLesson_Status=incomplete\r\nScore=45\r\nTime=01:02:05\r\n[Core_Lesson]\r\n')
  t.notMatch(learning, /[^\r]\n/, 'no bare LF')
  const passed = coreData(commitValues({ progress: 0.2, mastered: false, previouslyPassed: true, sessionMs: 1000, previousLmsMs: 0 }))
  t.match(passed, /Lesson_Status=passed\r\nScore=100\r\n/, 'never downgraded once passed')
})

t.test('CMITimespan: whole seconds, two to four hour digits', async t => {
  t.equal(hacpTime(0), '00:00:00')
  t.equal(hacpTime(59_499), '00:00:59')
  t.equal(hacpTime(59_500), '00:01:00')
  t.equal(hacpTime(100 * 3600_000), '100:00:00')
  t.equal(hacpTime(-5), '00:00:00')
  t.equal(hacpTime(1e12), '9999:59:59', 'capped at what the format holds')
})
